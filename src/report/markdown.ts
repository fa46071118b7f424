/**
 * Markdown building blocks that keep untrusted text inert: it renders as the same
 * characters, but can never become HTML, a link, an image, a mention, a table cell
 * boundary or the end of a code fence.
 */

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/**
 * Escapes text for inline Markdown (a paragraph or a table cell). Markdown punctuation
 * is backslash-escaped, `<` `>` `&` become entities (no raw HTML), `@` gets a zero-width
 * joiner so it shows but never pings, line breaks become spaces (a cell stays one cell),
 * and bidirectional override characters are shown as their code points.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(BIDI_CONTROLS, (c) => `U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&')
    .replace(/@/g, '@\u200d')
    .replace(/:\/\//g, ':\u200b//');
}

/** Inline code span holding untrusted text, rendered literally. */
export function code(text: string): string {
  const clean = text.replace(/\r\n?|\n/g, ' ').replace(BIDI_CONTROLS, '');
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || clean === '' ? ' ' : '';
  // Table pipes inside code spans still split GFM cells: escape them.
  return `${fence}${pad}${clean.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** A GFM table. Cells must already be escaped. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('left' | 'right' | 'center')[]): string {
  const rule = header.map((_, i) => {
    const a = align?.[i];
    return a === 'right' ? '---:' : a === 'center' ? ':---:' : '---';
  });
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

/** A collapsed `<details>` section. The summary is escaped; the body is trusted Markdown. */
export function details(summary: string, body: string): string {
  return `<details><summary>${escapeMarkdown(summary)}</summary>\n\n${body}\n\n</details>`;
}
