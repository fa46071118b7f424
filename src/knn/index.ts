import { jsNeighbourSearch } from './exact-js.js';
import type { NeighbourSearch } from './types.js';

export type { Matrix, NeighbourSearch, Similarity, TopKRequest, TopKResult } from './types.js';

/** The fastest exact neighbour-search engine this runtime supports. */
export async function createNeighbourSearch(): Promise<NeighbourSearch> {
  return jsNeighbourSearch();
}
