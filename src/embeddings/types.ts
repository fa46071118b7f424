import type { Logger } from '../io/log.js';
import type { Matrix } from '../knn/types.js';

/** One text to embed, with the suite's id for it. */
export interface TextItem {
  id: string;
  text: string;
  /** `passage` for a document a retrieval searches; anything else is a query (the default). */
  side?: 'query' | 'passage';
}

export interface EmbedOptions {
  log: Logger;
  /** Called as rows complete: `done` of `total` items. */
  onProgress?: (done: number, total: number) => void;
  /** Aborts the work (Ctrl-C on the CLI); the source must stop promptly and write nothing partial. */
  signal?: AbortSignal;
}

/**
 * Where one model's vectors come from: files, an OpenAI-compatible endpoint, or a command.
 * `embed` returns one row per item, in the items' order.
 */
export interface EmbeddingSource {
  /** For logs and the result's provenance; never contains a secret. */
  readonly description: string;
  /**
   * Identifies the model for the embedding cache (a version or artifact digest), or null
   * when results must not be cached (e.g. files, which are read directly).
   */
  readonly cacheKey: string | null;
  /** How many texts the cache should hand over at a time, when the source has a preference. */
  readonly cacheChunkSize?: number;
  /** The text as sent (with a prompt, say) when it differs from `item.text`: what the cache keys on. */
  inputText?(item: TextItem): string;
  /**
   * A cheap check that the source can answer for these items (the file exists and holds
   * them, the endpoint answers one text, the program exists), run for both models before
   * either embeds anything, so a wrong candidate is found before production's long run.
   */
  check?(items: readonly TextItem[], options: EmbedOptions): Promise<void>;
  /** One vector per item, in the items' order. The matrix belongs to the caller, who may change it (normalise it in place). */
  embed(items: readonly TextItem[], options: EmbedOptions): Promise<Matrix>;
}
