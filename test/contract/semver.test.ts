import { describe, expect, it } from 'vitest';
import { bumpBetween, bumpCovers, compareSemVer, maxBump, parseSemVer, type SemVer } from '../../src/contract/semver.js';

function v(text: string): SemVer {
  const parsed = parseSemVer(text);
  if (!parsed) throw new Error(`not semver: ${text}`);
  return parsed;
}

describe('semver', () => {
  it('parses MAJOR.MINOR.PATCH with pre-release and build, and rejects the rest', () => {
    expect(parseSemVer('1.2.3-rc.1+build.5')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: ['rc', '1'] });
    for (const bad of ['1.2', '01.2.3', 'v1.2.3', '1.2.3.4', '']) expect(parseSemVer(bad), bad).toBeUndefined();
  });

  it('orders versions by semver precedence (the spec example chain)', () => {
    // semver.org §11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0
    const chain = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 1; i < chain.length; i++) {
      expect(compareSemVer(v(chain[i - 1] as string), v(chain[i] as string)), `${chain[i - 1]} < ${chain[i]}`).toBeLessThan(0);
      expect(compareSemVer(v(chain[i] as string), v(chain[i - 1] as string))).toBeGreaterThan(0);
    }
    expect(compareSemVer(v('1.2.3+a'), v('1.2.3+b'))).toBe(0);
    expect(compareSemVer(v('1.10.0'), v('1.9.0'))).toBeGreaterThan(0);
  });

  it('measures the bump between two versions', () => {
    expect(bumpBetween(v('1.4.0'), v('2.0.0'))).toBe('major');
    expect(bumpBetween(v('1.4.0'), v('1.5.0'))).toBe('minor');
    expect(bumpBetween(v('1.4.0'), v('1.4.1'))).toBe('patch');
    expect(bumpBetween(v('1.4.0'), v('1.4.0'))).toBe('none');
    expect(bumpBetween(v('1.4.0'), v('1.3.0'))).toBe('none');
    expect(bumpBetween(v('1.4.0'), v('2.0.0-rc.1'))).toBe('major');
    expect(bumpBetween(v('2.0.0-rc.1'), v('2.0.0'))).toBe('patch');
    // Below 1.0.0, a minor step may break and a patch step may add.
    expect(bumpBetween(v('0.3.0'), v('0.4.0'))).toBe('major');
    expect(bumpBetween(v('0.3.0'), v('0.3.1'))).toBe('minor');
    expect(bumpBetween(v('0.3.0'), v('1.0.0'))).toBe('major');
  });

  it('compares bumps', () => {
    expect(maxBump('minor', 'patch')).toBe('minor');
    expect(maxBump('none', 'major')).toBe('major');
    expect(bumpCovers('major', 'minor')).toBe(true);
    expect(bumpCovers('minor', 'major')).toBe(false);
    expect(bumpCovers('none', 'none')).toBe(true);
  });
});
