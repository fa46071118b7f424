/**
 * Markdown building blocks that keep untrusted text inert: it renders as the same
 * characters, but can never become HTML, a link, an image, a mention, a table cell
 * boundary or the end of a code fence.
 */

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
/** C0 controls but tab and line breaks (handled apart), DEL and the C1 controls: NUL, escape sequences, … */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** `U+0000`: how a character that must not reach the page is shown instead. */
const codePoint = (c: string): string => `U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Runs of text that GitHub would turn into something: a mention (`@user`, `@org/team`, an
 * `@` not preceded by a letter or digit), an email or URL autolink (`user@host.tld`,
 * `scheme://…`, `www.…`) or an issue reference (`#12`, `GH-12`). A run stops at whitespace,
 * a pipe, a backtick and `<`. `nDCG@10` is none of these.
 */
const LINKISH = /[^\s|`<]*(?:(?<![A-Za-z0-9_])@|@[\w-]+\.\w|:\/\/|www\.|#\d|\bGH-\d)[^\s|`<]*/gi;

/**
 * Splits one line of text into plain runs and linkish runs (see LINKISH), renders the plain
 * runs with `plain` and the linkish ones with `literal`.
 */
function neutraliseLinks(text: string, plain: (run: string) => string, literal: (run: string) => string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(LINKISH)) {
    out += plain(text.slice(last, match.index)) + literal(match[0]);
    last = match.index + match[0].length;
  }
  return out + plain(text.slice(last));
}

/** One line, with bidi and other control characters shown as their code points. */
function oneLine(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ').replace(BIDI_CONTROLS, codePoint).replace(CONTROLS, codePoint);
}

/** `& < >` as entities: the start of both escapes below. */
function entities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes text for inline Markdown (a paragraph or a table cell). Markdown punctuation is
 * backslash-escaped and `<` `>` `&` become entities (no raw HTML); a run that GitHub would
 * make a mention, an autolink or an issue reference goes into a code span, where nothing
 * pings or links. Line breaks become spaces (a cell stays one cell) and bidirectional
 * override characters are shown as their code points. Everything else renders, and copies,
 * as the original characters.
 */
export function escapeMarkdown(text: string): string {
  return neutraliseLinks(oneLine(text), (run) => entities(run).replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&'), (run) => `\`${run}\``);
}

/** Inline code span holding untrusted text, rendered literally. */
export function code(text: string): string {
  const clean = text.replace(/\r\n?|\n/g, ' ').replace(BIDI_CONTROLS, '').replace(CONTROLS, codePoint);
  // `<!--` inside a code span would stay in the raw comment body, where it could spell a
  // report marker: such text is escaped instead, which renders the same characters.
  if (clean.includes('<!--')) return escapeMarkdown(clean);
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
 * nothing can become a link or an image even where a renderer does parse Markdown; a run
 * that GitHub would make a mention, an autolink or a reference goes into `<code>`; no bidi
 * overrides. It renders, and copies, as the original characters.
 */
export function escapeHtml(text: string): string {
  const escape = (run: string): string => entities(run).replace(/["'[\]!*_`|~\\]/g, (c) => `&#${c.charCodeAt(0)};`);
  return neutraliseLinks(oneLine(text), escape, (run) => `<code>${escape(run)}</code>`);
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
