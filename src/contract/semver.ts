export type Bump = 'major' | 'minor' | 'patch' | 'none';

/** Bumps from the smallest to the largest. */
export const BUMP_ORDER: readonly Bump[] = ['none', 'patch', 'minor', 'major'];

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
}

/** Parses `MAJOR.MINOR.PATCH[-pre][+build]`; returns undefined for anything else. Build metadata is ignored. */
export function parseSemVer(text: string): SemVer | undefined {
  const match = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] ? match[4].split('.') : [] };
}

function compareIdentifiers(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  if (numeric.test(a)) return -1;
  if (numeric.test(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semantic-version precedence: negative when a < b, 0 when equal, positive when a > b. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  // A pre-release sorts before its release: 2.0.0-rc.1 < 2.0.0.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const order = compareIdentifiers(x, y);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * The bump from `from` to `to`, measured on MAJOR.MINOR.PATCH: `major` when MAJOR grew,
 * `minor` when MINOR grew, `patch` when PATCH grew or only the pre-release moved on,
 * `none` when `to` is not greater. Below 1.0.0 a MINOR increase counts as `major` and a
 * PATCH increase as `minor`, the usual reading of 0.y.z (anything may change).
 */
export function bumpBetween(from: SemVer, to: SemVer): Bump {
  if (compareSemVer(to, from) <= 0) return 'none';
  let bump: Bump;
  if (to.major > from.major) bump = 'major';
  else if (to.minor > from.minor) bump = 'minor';
  else if (to.patch > from.patch) bump = 'patch';
  else bump = 'patch'; // same core, later pre-release or the release of a pre-release
  if (to.major === 0 && from.major === 0) bump = bump === 'minor' ? 'major' : bump === 'patch' && to.patch > from.patch ? 'minor' : bump;
  return bump;
}

/** The larger of two bumps. */
export function maxBump(a: Bump, b: Bump): Bump {
  return BUMP_ORDER.indexOf(a) >= BUMP_ORDER.indexOf(b) ? a : b;
}

/** True when `actual` is at least `required`. */
export function bumpCovers(actual: Bump, required: Bump): boolean {
  return BUMP_ORDER.indexOf(actual) >= BUMP_ORDER.indexOf(required);
}
