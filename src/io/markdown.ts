/**
 * Markdown building blocks that keep untrusted text inert: it renders as the same
 * characters, but can never become HTML, a link, an image, a mention, a table cell
 * boundary or the end of a code fence.
 */

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** One line, bidi controls shown as code points, and `& < >` as entities: the start of both escapes below. */
function oneLineEntities(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(BIDI_CONTROLS, (c) => `U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Escapes text for inline Markdown (a paragraph or a table cell). Markdown punctuation
 * is backslash-escaped, `<` `>` `&` become entities (no raw HTML), `@` gets a zero-width
 * joiner so it shows but never pings, line breaks become spaces (a cell stays one cell),
 * and bidirectional override characters are shown as their code points.
 */
export function escapeMarkdown(text: string): string {
  return oneLineEntities(text)
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&')
    .replace(/@/g, '@\u200d')
    .replace(/:\/\//g, ':\u200b//')
    .replace(/\bwww\\\./gi, (w) => `${w.slice(0, 3)}\u200b\\.`);
}

/** Inline code span holding untrusted text, rendered literally. */
export function code(text: string): string {
  // `<!--` stays visible but can never spell a report marker in the raw comment body.
  const clean = text.replace(/\r\n?|\n/g, ' ').replace(BIDI_CONTROLS, '').replace(/<!--/g, '<\u200b!--');
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

/**
 * Escapes text for an HTML context such as `<summary>`, where Markdown is not parsed (so
 * backslash escapes would show): entities for `& < > "` and for Markdown punctuation, so
 * nothing can become a link or an image even where a renderer does parse Markdown; no
 * pings, no autolinks, no bidi overrides.
 */
export function escapeHtml(text: string): string {
  return oneLineEntities(text)
    .replace(/["'[\]!*_`|~\\]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/@/g, '@\u200d')
    .replace(/:\/\//g, ':\u200b//')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\u200b.`);
}

/** A collapsed `<details>` section. The summary is escaped; the body is trusted Markdown. */
export function details(summary: string, body: string): string {
  return `<details><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}

/**
 * Clips untrusted text to at most `max` code points (never splitting a surrogate pair),
 * ending with `…` when anything was cut. Clip before escaping, so escapes stay whole.
 */
export function clip(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * A Markdown link whose URL model-gates built itself (from the run's own repository,
 * commit and server URL). Only `https:` and `http:` URLs are accepted: anything else
 * renders as plain escaped text. The link text is escaped.
 */
export function link(text: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return escapeMarkdown(text);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return escapeMarkdown(text);
  return `[${escapeMarkdown(text)}](${parsed.href.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)})`;
}

/**
 * A label safe inside a Mermaid chart: letters, digits, space and `. _ - / ( ) @ , + =` only,
 * at most `max` code points. Quotes, backticks, `%%` directives and line breaks cannot
 * survive, so a label can neither end the chart's code fence nor inject chart syntax.
 */
export function mermaidLabel(text: string, max = 24): string {
  const safe = text.replace(BIDI_CONTROLS, '').replace(/[^\p{L}\p{N} ._/()@,+=-]/gu, '_').trim();
  return clip(safe === '' ? '_' : safe, max);
}
