import { describe, expect, it } from 'vitest';
import { createSource, LocalCacheStore, withCache } from '../../src/embeddings/sources.js';
import type { TextItem } from '../../src/embeddings/types.js';
import { MemoryLogger, silentLogger } from '../../src/io/log.js';
import { suiteItems, type Suite } from '../../src/regression/suite.js';
import { embeddingServers, hashedVector } from '../support/openai-server.js';
import { tempDir } from '../support/temp.js';

const server = embeddingServers({ dimension: 4 });

const E5 = { query: 'query: ', passage: 'passage: ' };
const items: TextItem[] = [
  { id: 'q1', text: 'how to reset a password' },
  { id: 'd1', text: 'how to reset a password', side: 'passage' },
  { id: 'd2', text: 'Resetting your password takes two steps.', side: 'passage' },
];

describe('prompts', () => {
  it('puts the side’s prompt before each text, exactly as sent, and the vectors follow the prompted text', async () => {
    const s = await server();
    const source = await createSource(`openai:${s.url}`, { role: 'candidate', workspace: '.', config: { candidate: { prompts: E5 } }, env: {}, setSecret: () => {}, log: silentLogger });
    expect(source.description).toMatch(/with prompts \(query "query: ", passage "passage: "\)$/);
    const m = await source.embed(items, { log: silentLogger });
    expect(s.requests[0]?.inputs).toEqual(['query: how to reset a password', 'passage: how to reset a password', 'passage: Resetting your password takes two steps.']);
    expect([...m.data.subarray(4, 8)]).toEqual(hashedVector('passage: how to reset a password', 4).map(Math.fround));
    // Only one side set: the other goes unprefixed.
    const bge = await createSource(`openai:${s.url}`, { role: 'candidate', workspace: '.', config: { defaults: { prompts: { query: 'Represent this sentence for searching relevant passages: ' } } }, env: {}, setSecret: () => {}, log: silentLogger });
    await bge.embed(items.slice(0, 2), { log: silentLogger });
    expect(s.requests[1]?.inputs).toEqual(['Represent this sentence for searching relevant passages: how to reset a password', 'how to reset a password']);
  });

  it('keys the cache on the text as sent: a changed prompt is never served the old vectors', async () => {
    const s = await server();
    const dir = await tempDir('mg-prompts-');
    const store = new LocalCacheStore(dir);
    const open = (prompts: typeof E5) =>
      createSource(`openai:${s.url}`, { role: 'candidate', workspace: '.', config: { candidate: { prompts } }, env: {}, setSecret: () => {}, log: silentLogger });
    const first = withCache(await open(E5), store);
    await first.embed(items, { log: silentLogger });
    expect(s.requests).toHaveLength(1);
    const log = new MemoryLogger();
    await withCache(await open(E5), store).embed(items, { log });
    expect(s.requests).toHaveLength(1); // all three cached, the same text under two prompts kept apart
    expect(JSON.stringify(log.lines)).toMatch(/3 of 3 texts cached/);
    await withCache(await open({ query: 'search_query: ', passage: 'passage: ' }), store).embed(items, { log: silentLogger });
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]?.inputs).toEqual(['search_query: how to reset a password']);
  });

  it('ignores prompts for file: vectors, saying so', async () => {
    const log = new MemoryLogger();
    await createSource('file:vectors.npy', { role: 'production', workspace: '.', config: { defaults: { prompts: E5 } }, env: {}, setSecret: () => {}, log });
    expect(JSON.stringify(log.lines)).toMatch(/prompts do not apply to file: vectors/);
  });

  it('puts a suite’s retrieval documents on the passage side and every other text on the query side', () => {
    const suite = {
      texts: [
        { id: 'q', text: 'query', segment: null },
        { id: 'd', text: 'doc', segment: null },
        { id: 'p', text: 'pair text', segment: null },
      ],
      retrieval: { queries: [0], corpus: [1], relevant: [new Map([[1, 1]])], skippedQueries: 0 },
    } as unknown as Suite;
    expect(suiteItems(suite)).toEqual([
      { id: 'q', text: 'query' },
      { id: 'd', text: 'doc', side: 'passage' },
      { id: 'p', text: 'pair text' },
    ]);
  });
});
