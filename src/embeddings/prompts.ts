import type { Prompts } from '../config/types.js';
import type { Matrix } from '../knn/types.js';
import type { EmbedOptions, EmbeddingSource, TextItem } from './types.js';

/** True when at least one side has a non-empty prompt. */
export function hasPrompts(prompts: Prompts | undefined): prompts is Prompts {
  return Boolean(prompts?.query || prompts?.passage);
}

/**
 * A source that puts the side's prompt before every text, as sentence-transformers'
 * `prompts` do (E5's `query: ` / `passage: `, BGE's instruction, nomic's `search_query: `):
 * `passage` before the documents a retrieval searches, `query` before everything else. The
 * embedding cache keys on `inputText`, the text as sent, so a changed prompt is never
 * served vectors embedded under the old one.
 */
export function withPrompts(source: EmbeddingSource, prompts: Prompts): EmbeddingSource {
  const inputText = (item: TextItem): string => `${(item.side === 'passage' ? prompts.passage : prompts.query) ?? ''}${item.text}`;
  const prompted = (items: readonly TextItem[]): TextItem[] => items.map((item) => ({ id: item.id, text: inputText(item) }));
  const shown = (['query', 'passage'] as const).filter((side) => prompts[side]).map((side) => `${side} ${JSON.stringify(prompts[side])}`);
  return {
    description: `${source.description} with prompts (${shown.join(', ')})`,
    cacheKey: source.cacheKey,
    ...(source.cacheChunkSize !== undefined ? { cacheChunkSize: source.cacheChunkSize } : {}),
    inputText,
    ...(source.check ? { check: (items: readonly TextItem[], options: EmbedOptions) => source.check!(prompted(items), options) } : {}),
    embed(items: readonly TextItem[], options: EmbedOptions): Promise<Matrix> {
      return source.embed(prompted(items), options);
    },
  };
}
