import { describe, expect, it } from 'vitest';
import MarkdownIt from 'markdown-it';
import { neutraliseCommands } from '../../src/io/log.js';
import { details, escapeMarkdown, table } from '../../src/io/markdown.js';
import { renderComment, renderSummary } from '../../src/report/render.js';
import type { Result } from '../../src/results/types.js';
import { context, result } from './fixtures.js';

/** Strings a fork's pull request could put into suite names, texts, ids, segments and messages. */
const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '</details></summary><details open>',
  '<a href="https://evil.example">x</a>',
  '@org/team please approve',
  'cc @octocat',
  '[click me](javascript:alert(1))',
  '[docs](https://evil.example/phish)',
  'https://evil.example/raw and www.evil.example',
  '![pixel](https://evil.example/pixel.png)',
  '```\n# injected heading\n```',
  '~~~\ninjected\n~~~',
  '````mermaid\nflowchart LR\n````',
  'a | b | c',
  'escaped \\| pipe \\\\| double',
  '<!-- model-gates:report:default -->',
  '<!-- model-gates:report:other -->',
  'right-to-left \u202Egnp.exe\u202C and \u2066isolate\u2069',
  '::error::pwned',
  'line\n::add-mask::secret',
  '%%{init: {"theme":"dark"}}%%',
  '"] \nbar [1, 2',
  '&lt;script&gt; &#64;octocat',
  '`code` ``double``',
  '# heading\n- list\n> quote',
  'nul\u0000 bell\u0007 esc\u001b[31m red vt\u000b ff\u000c cr\r del\u007f c1\u0085\u009b',
];

function hostileResult(text: string): Result {
  const segment = { segment: text.slice(0, 256), size: 50, metric: text.slice(0, 100), production: 0.9, candidate: 0.8, change: -0.1, interval: { low: -0.2, high: -0.05, level: 0.95 }, verdict: 'fail' as const };
  return result({
    id: 'hostile',
    verdict: 'fail',
    subject: { model: text.slice(0, 256), candidateVersion: text.slice(0, 128), productionVersion: text.slice(0, 128) },
    summary: text,
    checks: [
      {
        id: text.slice(0, 128),
        title: text.slice(0, 256),
        verdict: 'fail',
        summary: text,
        rows: [{ metric: text.slice(0, 200), production: 1, candidate: 0.5, change: -0.5, verdict: 'fail', note: text }],
        segments: [segment, { ...segment, segment: `${text.slice(0, 200)} 2`, change: -0.05 }],
        worst: [{ id: text.slice(0, 512), texts: [text, text], segment: text.slice(0, 256), label: text.slice(0, 64), change: -0.5 }],
      },
    ],
    findings: [{ rule: text.slice(0, 128), severity: 'error', message: text, location: { file: text.slice(0, 1024), line: 3 } }],
  });
}

/** Removes inline code spans and `<code>` elements: their content renders literally and never pings or links. */
function withoutCodeSpans(markdown: string): string {
  return markdown.replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, '').replace(/<code>[^<]*<\/code>/g, '');
}

function checkInert(markdown: string): void {
  // The marker appears once, as the very first line.
  expect(markdown.startsWith('<!-- model-gates:report:default -->\n')).toBe(true);
  expect(markdown.split('<!--').length - 1).toBe(1);
  const prose = withoutCodeSpans(markdown.slice(markdown.indexOf('\n')));
  // No raw HTML beyond the tags the report itself uses (code spans render `<` literally).
  const tags = [...prose.matchAll(/<\/?([A-Za-z][\w-]*)/g)].map((m) => m[1]);
  expect(new Set(tags)).toEqual(new Set(['details', 'summary', 'sub', 'code'].filter((t) => tags.includes(t))));
  // No zero-width characters: what a reader copies is what was written.
  expect(markdown).not.toMatch(/[\u200b-\u200d\u2060\ufeff]/);
  // No mention: every @ is inside a code span.
  expect(prose).not.toMatch(/(?<![A-Za-z0-9_])@[A-Za-z0-9]/);
  // No images, and every link points where model-gates put it.
  expect(prose).not.toMatch(/!\[/);
  for (const match of prose.matchAll(/(?<!\\)\]\(([^)]*)\)/g)) expect(match[1]).toMatch(/^https:\/\/github\.com\/acme\/search\//);
  expect(prose).not.toMatch(/https?:\/\/(?!github\.com\/acme\/search\/)/);
  expect(prose).not.toMatch(/www\\?\./i);
  // No bidirectional override characters, and no control characters but the line breaks.
  expect(markdown).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  expect(markdown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  // Every table row has as many cell boundaries as its header.
  const lines = markdown.split('\n');
  let columns = 0;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      columns = 0;
      continue;
    }
    const pipes = withoutCodeSpans(line.replace(/\\\\/g, '')).match(/(?<!\\)\|/g)?.length ?? 0;
    if (columns === 0) columns = pipes;
    else expect(pipes, line).toBe(columns);
  }
  // Fences: only the report's own Mermaid fences, each opened and closed, holding chart syntax only.
  const fences = lines.filter((l) => /^\s*(```|~~~)/.test(l));
  expect(fences.length % 2).toBe(0);
  for (let i = 0; i < fences.length; i += 2) expect([fences[i], fences[i + 1]]).toEqual(['```mermaid', '```']);
  const charts = markdown.match(/```mermaid\n([\s\S]*?)\n```/g) ?? [];
  for (const chart of charts) {
    const body = chart.split('\n').slice(1, -1);
    // The report's own theme: colours only.
    const init = /^%%\{init: (\{"themeVariables":\{"xyChart":\{[^{}]*\}\}\})\}%%$/.exec(body[0] ?? '');
    expect(init, body[0]).not.toBeNull();
    for (const value of Object.values((JSON.parse(init?.[1] ?? '{}') as { themeVariables: { xyChart: Record<string, string> } }).themeVariables.xyChart)) {
      expect(value).toMatch(/^#[0-9a-f]{6}(, #[0-9a-f]{6})*$/);
    }
    expect(body[1]).toBe('xychart-beta');
    for (const line of body.slice(2)) expect(line).toMatch(/^ {4}(title "[\p{L}\p{N} ._/()@,+=…-]*"|x-axis \[("[\p{L}\p{N} ._/()@,+=…-]*"(, )?)+\]|y-axis "Change" \S+ --> \S+|(bar|line) \[[-\d., ]+\])$/u);
  }
}

/** What GitHub would make a mention, an autolink or a reference (not `nDCG@10`). */
const LINK_OR_MENTION = /(?<![A-Za-z0-9_])@[A-Za-z0-9]|@[\w-]+\.\w|:\/\/|www\.|#\d|GH-\d/i;

/** A CommonMark renderer with GitHub's autolinks (linkify), standing in for GitHub's own. */
const markdownIt = new MarkdownIt({ html: true, linkify: true });

/** The text a reader selects and copies from rendered HTML: tags dropped, entities decoded. */
function copiedText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

describe('what a reader copies from the rendered report', () => {
  // Bidi and other control characters are shown as code points on purpose (tested below).
  // eslint-disable-next-line no-control-regex -- control characters are what is filtered out
  const texts = [...HOSTILE.filter((t) => !/[\u202a-\u202e\u2066-\u2069\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(t)), 'mail ops@acme.example or see s3://bucket/key', 'fixes #12 and GH-7', 'nDCG@10 and x@y', 'a`@b` c', 'x | y @z|w'];
  for (const text of texts) {
    it(`is the original text, with no link or mention: ${JSON.stringify(text).slice(0, 50)}`, () => {
      const original = text.replace(/\r\n?|\n/g, ' ').trim();
      // In a paragraph, in a table cell, and in a <summary>.
      const paragraph = markdownIt.render(escapeMarkdown(text));
      const cell = markdownIt.render(table(['h'], [[escapeMarkdown(text)]]));
      const summary = markdownIt.render(details(text, 'body'));
      for (const html of [paragraph, cell]) {
        expect(html).not.toMatch(/<a |<img /);
        expect(copiedText(html.replace(/<code>[^<]*<\/code>/g, ' '))).not.toMatch(LINK_OR_MENTION);
      }
      expect(copiedText(paragraph)).toBe(original);
      expect(copiedText(cell.slice(cell.indexOf('<tbody>')))).toBe(original);
      expect(copiedText(summary.slice(0, summary.indexOf('</summary>')))).toBe(original);
      expect(summary).not.toMatch(/<a |<img /);
      expect(copiedText(summary.replace(/<code>[^<]*<\/code>/g, ' '))).not.toMatch(LINK_OR_MENTION);
    });
  }

  it('shows bidirectional controls as their code points instead of obeying them', () => {
    expect(copiedText(markdownIt.render(escapeMarkdown('a\u202Eb')))).toBe('aU+202Eb');
  });
});

describe('hostile input stays inert', () => {
  for (const text of HOSTILE) {
    it(`in every field: ${JSON.stringify(text).slice(0, 60)}`, () => {
      const results = [hostileResult(text)];
      checkInert(renderComment(results, context()).markdown);
      checkInert(renderSummary(results, context()).markdown);
    });
  }

  it('shows control characters as their code points, in prose and in code spans', () => {
    const body = renderComment([hostileResult('a\u0000b\u001bc')], context()).markdown;
    expect(body).toContain('aU+0000bU+001Bc');
    expect(body).toContain('`aU+0000bU+001Bc`');
  });

  it('keeps the hostile text readable', () => {
    const body = renderComment([hostileResult('@org/team <b>bold</b> a|b')], context()).markdown;
    expect(body).toContain('`@org/team` &lt;b&gt;bold&lt;/b&gt; a\\|b');
  });

  it('neutralises workflow commands at the start of any log line', () => {
    for (const text of HOSTILE) {
      for (const line of neutraliseCommands(text).split('\n')) expect(line.trimStart().startsWith('::')).toBe(false);
    }
  });
});
