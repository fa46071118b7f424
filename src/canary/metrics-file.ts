import { extname } from 'node:path';
import type { CanaryMetricConfig } from '../config/types.js';
import { ConfigurationError, isNodeError, type Problem } from '../io/errors.js';
import { parseYaml } from '../io/yaml.js';
import type { Group, MetricsSource } from './source.js';
import { readTextFile } from '../io/text.js';

/** Samples per metric, then per group label (`baseline`, `canary` or the labels given). */
export type MetricsTable = Map<string, Map<string, number[]>>;

function add(table: MetricsTable, metric: string, group: string, value: number): void {
  let groups = table.get(metric);
  if (!groups) table.set(metric, (groups = new Map()));
  let values = groups.get(group);
  if (!values) groups.set(group, (values = []));
  values.push(value);
}

/** A sample value: a decimal number, or NaN/Inf, which the judge drops and counts. */
function parseValue(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^(NaN|[+-]?Inf(inity)?)$/i.test(trimmed)) return trimmed.toLowerCase() === 'nan' ? Number.NaN : trimmed.startsWith('-') ? -Infinity : Infinity;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed) ? Number(trimmed) : undefined;
}

/** Splits one CSV line (RFC 4180 quoting: `"a,b"`, `""` for a quote). Returns undefined on an unclosed quote. */
function splitCsvLine(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (c === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  if (quoted) return undefined;
  cells.push(cell.trim());
  return cells;
}

/**
 * Parses a CSV metrics file: a header naming the columns `metric`, `group` and `value`
 * (in any order; other columns such as a timestamp are ignored), then one sample per row.
 * Blank lines and lines starting with `#` are skipped. Every bad row is reported with its
 * line, all at once.
 */
export function parseMetricsCsv(text: string, file: string): MetricsTable {
  const lines = text.split(/\r?\n/);
  const table: MetricsTable = new Map();
  const problems: Problem[] = [];
  let columns: { metric: number; group: number; value: number } | undefined;
  let width = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const location = { file, line: index + 1 };
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const cells = splitCsvLine(line);
    if (!cells) {
      problems.push({ message: 'unclosed quote', location });
      continue;
    }
    if (!columns) {
      const names = cells.map((c) => c.toLowerCase());
      const missing = ['metric', 'group', 'value'].filter((name) => !names.includes(name));
      if (missing.length > 0) throw new ConfigurationError(`the CSV header must name the columns metric, group and value; missing: ${missing.join(', ')}`, location);
      columns = { metric: names.indexOf('metric'), group: names.indexOf('group'), value: names.indexOf('value') };
      width = cells.length;
      continue;
    }
    if (cells.length !== width) {
      problems.push({ message: `expected ${width} columns like the header, found ${cells.length}`, location });
      continue;
    }
    const metric = cells[columns.metric] as string;
    const group = cells[columns.group] as string;
    const rawValue = cells[columns.value] as string;
    const value = parseValue(rawValue);
    if (metric === '') problems.push({ message: 'empty metric name', location });
    else if (group === '') problems.push({ message: 'empty group', location });
    else if (value === undefined) problems.push({ message: `value '${rawValue}' is not a number`, location });
    else add(table, metric, group, value);
  }
  if (!columns) throw new ConfigurationError('the CSV metrics file is empty; expected a header metric,group,value and one row per sample', { file });
  if (problems.length > 0) throw new ConfigurationError(problems);
  return table;
}

/**
 * Parses a JSON metrics file: `{"metrics": {"<metric>": {"<group>": [numbers…]}}}`. Values
 * may also be the strings "NaN", "+Inf", "-Inf". Every problem is reported with its line.
 */
export function parseMetricsJson(text: string, file: string): MetricsTable {
  // JSON is YAML: the YAML parser gives every value its line.
  const document = parseYaml(text, file);
  const data = document.data;
  const root = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>).metrics : undefined;
  if (!root || typeof root !== 'object' || Array.isArray(root)) {
    throw new ConfigurationError('expected an object {"metrics": {"<metric>": {"<group>": [numbers…]}}}', document.locate(['metrics']));
  }
  const table: MetricsTable = new Map();
  const problems: Problem[] = [];
  for (const [metric, groups] of Object.entries(root as Record<string, unknown>)) {
    if (!groups || typeof groups !== 'object' || Array.isArray(groups)) {
      problems.push({ message: `metrics.${metric}: expected an object of groups, each a list of numbers`, location: document.locate(['metrics', metric]) });
      continue;
    }
    for (const [group, values] of Object.entries(groups as Record<string, unknown>)) {
      if (!Array.isArray(values)) {
        problems.push({ message: `metrics.${metric}.${group}: expected a list of numbers`, location: document.locate(['metrics', metric, group]) });
        continue;
      }
      if (values.length === 0) {
        let groupMap = table.get(metric);
        if (!groupMap) table.set(metric, (groupMap = new Map()));
        groupMap.set(group, []);
      }
      values.forEach((raw, index) => {
        const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^(NaN|[+-]Inf)$/.test(raw) ? parseValue(raw) : undefined;
        if (value === undefined) {
          problems.push({ message: `metrics.${metric}.${group}[${index}]: ${JSON.stringify(raw)} is not a number`, location: document.locate(['metrics', metric, group, index]) });
        } else add(table, metric, group, value);
      });
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return table;
}

/** Reads a metrics file, CSV or JSON by its extension. */
export async function readMetricsFile(path: string, displayName = path): Promise<MetricsTable> {
  let text: string;
  try {
    text = await readTextFile(path, displayName);
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError('metrics file not found', { file: displayName });
    if (isNodeError(error, 'EISDIR')) throw new ConfigurationError('metrics file is a directory, expected a .csv or .json file', { file: displayName });
    throw error;
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return parseMetricsCsv(text, displayName);
  if (extension === '.json') return parseMetricsJson(text, displayName);
  throw new ConfigurationError(`metrics file must end in .csv or .json, not '${extension || '(none)'}'`, { file: displayName });
}

/** Samples from a metrics file already read; group labels are the baseline and canary inputs. */
export class MetricsFileSource implements MetricsSource {
  readonly description: string;

  constructor(
    private readonly table: MetricsTable,
    private readonly labels: Record<Group, string>,
    file: string,
  ) {
    this.description = `metrics file ${file}`;
  }

  samples(metric: CanaryMetricConfig, group: Group): Promise<Float64Array> {
    return Promise.resolve(Float64Array.from(this.table.get(metric.name)?.get(this.labels[group]) ?? []));
  }

  /** Metric names in the file that no configured metric reads: likely typos. */
  unusedMetrics(metrics: readonly CanaryMetricConfig[]): string[] {
    const names = new Set(metrics.flatMap((m) => (m.total ? [m.name, m.total.name] : [m.name])));
    return [...this.table.keys()].filter((name) => !names.has(name));
  }
}
