/**
 * Fitting a report into a size limit by leaving out whole sections: a table, a chart or a
 * `<details>` block is either in the report or named in the note that says what was cut,
 * never cut in the middle.
 */

/** One block of a report. Its Markdown is complete on its own (tables and fences closed). */
export interface Section {
  /** Shown in the "left out" note; plain text (escaped when rendered). */
  title: string;
  markdown: string;
  /**
   * Lower is more important. When the report is too big, sections with the highest
   * priority number go first; among equals, the one that comes last in the report.
   */
  priority: number;
}

export interface Layout {
  /** Always kept: the marker and the verdict line. */
  head: string;
  sections: readonly Section[];
  /** Always kept: run link, tool version, inputs digest. */
  foot: string;
}

export interface Budget {
  /** Largest allowed size, in the unit `measure` counts. */
  limit: number;
  /** Size of a text: UTF-16 code units for comments, UTF-8 bytes for the job summary. */
  measure: (text: string) => number;
  /** Note listing what was left out; returns Markdown. */
  note: (omitted: readonly Section[]) => string;
}

export interface Assembled {
  markdown: string;
  /** Sections left out, in report order. */
  omitted: Section[];
}

const SEPARATOR = '\n\n';

function join(layout: Layout, kept: readonly Section[], note: string): string {
  const blocks = [layout.head, ...kept.map((s) => s.markdown)];
  if (note !== '') blocks.push(note);
  blocks.push(layout.foot);
  return `${blocks.join(SEPARATOR)}\n`;
}

/**
 * Joins head, sections and foot, leaving out whole sections (least important first) until
 * the result, including the note about what was left out, fits the limit.
 *
 * @throws Error when head and foot with the note alone exceed the limit (they are bounded
 * by construction, so this is a bug).
 */
export function assemble(layout: Layout, budget: Budget): Assembled {
  const full = join(layout, layout.sections, '');
  if (budget.measure(full) <= budget.limit) return { markdown: full, omitted: [] };

  const sizes = layout.sections.map((s) => budget.measure(s.markdown) + budget.measure(SEPARATOR));
  // Order in which sections are dropped: highest priority number first, later first among equals.
  const dropOrder = layout.sections
    .map((section, index) => ({ section, index }))
    .sort((a, b) => b.section.priority - a.section.priority || b.index - a.index)
    .map((entry) => entry.index);
  const dropped = new Set<number>();
  const fixed = budget.measure(join(layout, [], ''));
  let sectionsSize = sizes.reduce((sum, size) => sum + size, 0);
  for (const index of dropOrder) {
    dropped.add(index);
    sectionsSize -= sizes[index] ?? 0;
    const omitted = layout.sections.filter((_, i) => dropped.has(i));
    const noteSize = budget.measure(budget.note(omitted)) + budget.measure(SEPARATOR);
    if (fixed + sectionsSize + noteSize <= budget.limit) break;
  }
  const kept = layout.sections.filter((_, i) => !dropped.has(i));
  const omitted = layout.sections.filter((_, i) => dropped.has(i));
  const markdown = join(layout, kept, budget.note(omitted));
  if (budget.measure(markdown) > budget.limit) throw new Error(`internal error: the report head and foot alone exceed ${budget.limit}`);
  return { markdown, omitted };
}

/** GitHub rejects an issue comment body longer than this many characters. */
export const COMMENT_LIMIT = 65_536;

/** GitHub rejects a step's job summary larger than 1 MiB. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

/**
 * Characters of a comment body, counted as UTF-16 code units: never fewer than GitHub's
 * count of characters (code points), so a body within the limit here is within it there.
 */
export const utf16Length = (text: string): number => text.length;

/** UTF-8 bytes of a text, the unit of the job summary limit. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
