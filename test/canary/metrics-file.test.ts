import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsFileSource, parseMetricsCsv, parseMetricsJson, readMetricsFile } from '../../src/canary/metrics-file.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { tempDir } from '../support/temp.js';

function problems(fn: () => unknown): { message: string; line: number | undefined }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems.map((p) => ({ message: p.message, line: p.location?.line }));
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('CSV metrics files', () => {
  it('reads samples by metric and group, in any column order, skipping comments and blank lines', () => {
    const table = parseMetricsCsv('# exported\ntimestamp,group,metric,value\n1,baseline,latency,0.2\n2,canary,latency,0.25\n\n3,canary,latency,NaN\n4,"base,line",ctr,1e-1\n', 'm.csv');
    expect(table.get('latency')?.get('baseline')).toEqual([0.2]);
    expect(table.get('latency')?.get('canary')).toEqual([0.25, Number.NaN]);
    expect(table.get('ctr')?.get('base,line')).toEqual([0.1]);
  });

  it('reports every bad row with its line', () => {
    const text = 'metric,group,value\nlatency,baseline,0.2\nlatency,canary,fast\nlatency,canary\n,canary,1\nlatency,"canary,2\n';
    expect(problems(() => parseMetricsCsv(text, 'm.csv'))).toEqual([
      { message: "value 'fast' is not a number", line: 3 },
      { message: 'expected 3 columns like the header, found 2', line: 4 },
      { message: 'empty metric name', line: 5 },
      { message: 'unclosed quote', line: 6 },
    ]);
    expect(problems(() => parseMetricsCsv('metric,value\n', 'm.csv'))).toEqual([{ message: 'the CSV header must name the columns metric, group and value; missing: group', line: 1 }]);
  });
});

describe('JSON metrics files', () => {
  it('reads {"metrics": {name: {group: [values]}}}', () => {
    const table = parseMetricsJson('{"metrics": {"latency": {"baseline": [0.2, 0.21], "canary": [0.3, "NaN"]}}}', 'm.json');
    expect(table.get('latency')?.get('canary')).toEqual([0.3, Number.NaN]);
  });

  it('locates wrong values and shapes by line', () => {
    const text = ['{', '  "metrics": {', '    "latency": {', '      "baseline": [0.2,', '        "slow"],', '      "canary": 3', '    }', '  }', '}'].join('\n');
    expect(problems(() => parseMetricsJson(text, 'm.json'))).toEqual([
      { message: 'metrics.latency.baseline[1]: "slow" is not a number', line: 5 },
      { message: 'metrics.latency.canary: expected a list of numbers', line: 6 },
    ]);
    expect(problems(() => parseMetricsJson('{"latency": {}}', 'm.json'))[0]?.message).toContain('expected an object {"metrics"');
    expect(problems(() => parseMetricsJson('{"metrics": {\n"a": [1,,]}}', 'm.json'))[0]?.line).toBe(2);
  });
});

describe('reading a metrics file', () => {
  it('picks the parser by extension and names the file in errors', async () => {
    const dir = await tempDir('mg-metrics-');
    await writeFile(join(dir, 'm.csv'), 'metric,group,value\nctr,b,0.3\nctr,c,0.31\n');
    const source = new MetricsFileSource(await readMetricsFile(join(dir, 'm.csv')), { baseline: 'b', canary: 'c' }, 'm.csv');
    expect(Array.from(await source.samples({ name: 'ctr', direction: 'decrease' }, 'canary'))).toEqual([0.31]);
    expect((await source.samples({ name: 'latency', direction: 'increase' }, 'canary')).length).toBe(0);
    expect(source.unusedMetrics([{ name: 'latency', direction: 'increase' }])).toEqual(['ctr']);
    await writeFile(join(dir, 'm.txt'), '');
    await expect(readMetricsFile(join(dir, 'm.txt'), 'm.txt')).rejects.toThrow("m.txt: metrics file must end in .csv or .json, not '.txt'");
    await expect(readMetricsFile(join(dir, 'none.csv'), 'none.csv')).rejects.toThrow('none.csv: metrics file not found');
  });
});
