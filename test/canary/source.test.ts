import { describe, expect, it } from 'vitest';
import { authorizationHeader } from '../../src/canary/prometheus.js';
import { parseDuration, parseTime, promqlString, renderQuery, resolveWindow } from '../../src/canary/source.js';

describe('analysis window', () => {
  it('parses Prometheus durations and times', () => {
    expect(parseDuration('1h30m', 'w')).toBe(5400);
    expect(parseDuration('500ms', 'w')).toBe(0.5);
    expect(() => parseDuration('30 minutes', "input 'window'")).toThrow("input 'window': '30 minutes' is not a duration");
    expect(parseTime('2026-11-22T04:00:00Z', 't')).toBe(Date.UTC(2026, 10, 22, 4) / 1000);
    expect(parseTime('1795000000.5', 't')).toBe(1795000000.5);
    expect(() => parseTime('yesterday', "input 'start'")).toThrow("input 'start': 'yesterday' is not a time");
  });

  it('ends at now by default, spans 30m by default, and refuses contradictions', () => {
    expect(resolveWindow({ step: '1m' }, 10_000)).toEqual({ start: 10_000 - 1800, end: 10_000, step: 60 });
    expect(resolveWindow({ window: '10m', end: '5000', step: '30s' }, 99_999)).toEqual({ start: 4400, end: 5000, step: 30 });
    expect(() => resolveWindow({ start: '1', window: '5m', step: '1m' }, 0)).toThrow("either input 'start' or input 'window'");
    expect(() => resolveWindow({ start: '5000', end: '4000', step: '1m' }, 0)).toThrow('the analysis window is empty');
    expect(() => resolveWindow({ window: '30d', step: '1s' }, 1e9)).toThrow('Prometheus allows 11000: use a larger step');
  });
});

describe('query templates', () => {
  it('substitutes the escaped label value for every {{group}}', () => {
    const metric = { name: 'errors', direction: 'increase' as const, query: 'sum(rate(e{v="{{group}}"}[1m])) / sum(rate(r{v="{{group}}"}[1m]))' };
    expect(renderQuery(metric, 'canary')).toBe('sum(rate(e{v="canary"}[1m])) / sum(rate(r{v="canary"}[1m]))');
    expect(promqlString('a"b\\c')).toBe('a\\"b\\\\c');
    expect(renderQuery({ ...metric, query: 'x{v="{{group}}"}' }, 'x"} or vector(1) #')).toBe('x{v="x\\"} or vector(1) #"}');
    expect(() => renderQuery({ ...metric, query: 'up' }, 'canary')).toThrow('has no {{group}} placeholder');
  });
});

describe('credentials', () => {
  it('builds the Authorization header from environment variables and registers the secrets', () => {
    const secrets: string[] = [];
    expect(authorizationHeader({ bearerTokenEnv: 'T' }, { T: 'abc' }, (s) => secrets.push(s))).toBe('Bearer abc');
    expect(authorizationHeader({ usernameEnv: 'U', passwordEnv: 'P' }, { U: 'me', P: 'pw' }, (s) => secrets.push(s))).toBe(`Basic ${Buffer.from('me:pw').toString('base64')}`);
    expect(secrets).toEqual(['abc', 'pw', Buffer.from('me:pw').toString('base64')]);
    expect(authorizationHeader({}, {}, () => {})).toBeUndefined();
    expect(() => authorizationHeader({ bearerTokenEnv: 'T', usernameEnv: 'U', passwordEnv: 'P' }, {}, () => {})).toThrow('not both');
  });
});
