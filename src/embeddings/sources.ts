// Minimal stand-in until the embeddings branch lands: `file:` JSONL only. Same signature.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../config/types.js';
import { ConfigurationError } from '../io/errors.js';
import type { Logger } from '../io/log.js';
import type { EmbeddingSource } from './types.js';

export interface SourceContext {
  role: 'production' | 'candidate';
  workspace: string;
  config: Config;
  env: NodeJS.ProcessEnv;
  setSecret(value: string): void;
  log: Logger;
}

/** Creates the embedding source a spec names (`file:<path>.jsonl` only in this version). */
export async function createSource(spec: string, context: SourceContext): Promise<EmbeddingSource> {
  if (!spec.startsWith('file:') || !spec.endsWith('.jsonl')) throw new ConfigurationError(`${context.role}: unsupported source '${spec}'`);
  const file = resolve(context.workspace, spec.slice(5));
  return {
    description: spec,
    cacheKey: null,
    async embed(items) {
      const vectors = new Map<string, number[]>();
      (await readFile(file, 'utf8')).split('\n').forEach((line) => {
        if (line.trim() === '') return;
        const row = JSON.parse(line) as { id: string; embedding: number[] };
        vectors.set(String(row.id), row.embedding);
      });
      const dim = vectors.values().next().value?.length ?? 0;
      const data = new Float32Array(items.length * dim);
      items.forEach((item, i) => {
        const v = vectors.get(item.id);
        if (!v) throw new ConfigurationError(`no vector for id '${item.id}'`, { file });
        data.set(v, i * dim);
      });
      return { data, rows: items.length, dim };
    },
  };
}
