import { cp, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { reportCharts } from '../../src/report/html.js';
import { readResults } from '../../src/results/store.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

/** Debian's chromium (the tests' global set-up installs it), or CHROMIUM_BIN. */
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const SCREENSHOT = join(repoRoot, 'test-output', 'html-report.png');

/** The demo's first pull request and a canary analysis, through the CLI, with the HTML report written. */
async function demoHtml(): Promise<{ workspace: string; html: string; file: string }> {
  const workspace = await tempDir('mg-html-');
  await cp(join(repoRoot, 'examples'), workspace, { recursive: true });
  vi.stubEnv('GITHUB_WORKSPACE', workspace);
  vi.stubEnv('GITHUB_SHA', '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39');
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const error = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await main(['embedding-regression', '--suite', 'suites/search/suite.yml', '--production', 'file:suites/search/embeddings/production.jsonl', '--candidate', 'file:suites/search/embeddings/candidate.jsonl', '--results-dir', 'results']);
    await main(['canary-analysis', '--source', 'file', '--metrics-file', 'canary/metrics.csv', '--config', 'canary/model-gates.canary.yml', '--model', 'search-embedder', '--version', '2.0.0', '--results-dir', 'results']);
    const code = await main(['report', '--results-dir', 'results', '--mode', 'none', '--html-output', 'report.html']);
    expect(code).toBe(0);
  } finally {
    write.mockRestore();
    error.mockRestore();
  }
  const file = join(workspace, 'report.html');
  return { workspace, html: await readFile(file, 'utf8'), file };
}

describe('the HTML report', () => {
  let report: Awaited<ReturnType<typeof demoHtml>>;
  let page: Page;
  let close: () => Promise<void>;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    report = await demoHtml();
    const profile = await tempDir('mg-chromium-');
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1200, height: 900 },
    });
    close = () => context.close();
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${report.file}`);
    // Kept for a person to look at: test-output/ is ignored by git.
    await mkdir(join(repoRoot, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it('has every chart the results support, each rendered as SVG with marks, with no console error and no fetch', async () => {
    const results = await readResults(join(report.workspace, 'results'));
    const expected = reportCharts(results).map((c) => c.id);
    expect(expected).toEqual([
      'latency-canary-analysis',
      'forest-search-regression-pairs',
      'forest-search-regression-triplets',
      'forest-search-regression-retrieval',
      'similarity-search-regression',
      'overlap-search-regression',
    ]);
    const rendered = await page.$$eval('section.chart', (sections) =>
      sections.map((s) => {
        const svg = s.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return { id: s.id, width: box?.width ?? 0, height: box?.height ?? 0, marks: s.querySelectorAll('g.mark-symbol path, g.mark-rect path, g.mark-rule line, g.mark-rule path').length };
      }),
    );
    expect(rendered.map((r) => r.id)).toEqual(expected);
    for (const chart of rendered) {
      expect(chart.width, chart.id).toBeGreaterThan(100);
      expect(chart.height, chart.id).toBeGreaterThan(100);
      expect(chart.marks, chart.id).toBeGreaterThan(2);
    }
    expect(consoleErrors).toEqual([]);
    // The page itself, nothing else: the report is self-contained.
    expect(requests).toEqual([`file://${report.file}`]);
    expect(report.html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/)/);
  });

  it("draws the French segment's negative change below the zero line, and English's gain above it", async () => {
    const position = (chartId: string, label: string) =>
      page.$eval(
        `#${chartId}`,
        (section, label) => {
          const centre = (el: { getBoundingClientRect(): { top: number; height: number } } | null): number | null => {
            if (!el) return null;
            const box = el.getBoundingClientRect();
            return box.top + box.height / 2;
          };
          const point = [...section.querySelectorAll('g.mark-symbol path')].find((p) => (p.getAttribute('aria-label') ?? '').startsWith(`label: ${label};`));
          const zero = [...section.querySelectorAll('g.mark-rule path, g.mark-rule line')].find((p) => p.getAttribute('aria-label') === 'y: 0; kind: zero');
          return { point: centre(point ?? null), zero: centre(zero ?? null) };
        },
        label,
      );
    const fr = await position('forest-search-regression-triplets', 'fr');
    const en = await position('forest-search-regression-triplets', 'en');
    expect(fr.point).not.toBeNull();
    expect(fr.zero).not.toBeNull();
    // Screen y grows downwards: below the line is a larger y.
    expect(fr.point!).toBeGreaterThan(fr.zero! + 20);
    expect(en.point!).toBeLessThan(en.zero!);
  });

  it('saves a screenshot of the whole report', async () => {
    const png = await readFile(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
  });
});
