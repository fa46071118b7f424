export const id = 433;
export const ids = [433];
export const modules = {

/***/ 86433:
/***/ ((module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   escapeHtmlText: () => (/* binding */ escapeHtmlText),
/* harmony export */   renderHtmlReport: () => (/* binding */ renderHtmlReport),
/* harmony export */   renderSvg: () => (/* binding */ renderSvg),
/* harmony export */   reportCharts: () => (/* binding */ reportCharts)
/* harmony export */ });
/* harmony import */ var vega__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(33972);
/* harmony import */ var vega_lite__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(10994);
/* harmony import */ var _regression_charts_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(77708);
/* harmony import */ var _render_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(86412);
var __webpack_async_dependencies__ = __webpack_handle_async_dependencies__([vega__WEBPACK_IMPORTED_MODULE_0__, vega_lite__WEBPACK_IMPORTED_MODULE_1__]);
([vega__WEBPACK_IMPORTED_MODULE_0__, vega_lite__WEBPACK_IMPORTED_MODULE_1__] = __webpack_async_dependencies__.then ? (await __webpack_async_dependencies__)() : __webpack_async_dependencies__);




const FONT = 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';
/** HTML text: `& < > " '` as entities. Untrusted text never becomes markup. */
function escapeHtmlText(text) {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
/** The forest plot of one check: its overall change and every segment's, with intervals, zero and the tolerance. */
function forestChart(result, checkIndex) {
    const check = result.checks[checkIndex];
    // Segments make the plot: a check without them (a canary's metrics, in unlike units) has its table.
    if (!check || !(check.segments ?? []).some((s) => s.interval))
        return undefined;
    const deciding = check.rows.find((row) => row.interval && typeof row.change === 'number');
    const up = (0,_regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .higherIsBetter */ .i2)(check, deciding?.metric ?? check.segments?.[0]?.metric);
    const rows = [];
    const add = (label, change, interval) => {
        if (typeof change !== 'number' || !Number.isFinite(change) || !interval)
            return;
        rows.push({ label, change, low: interval.low, high: interval.high, better: up ? change >= 0 : change <= 0 });
    };
    if (deciding)
        add('overall', deciding.change, deciding.interval);
    // Segment metrics are named only when a check has several (pairs with sameSpace).
    const several = new Set((check.segments ?? []).map((s) => s.metric)).size > 1;
    for (const s of check.segments ?? [])
        add(several && s.metric ? `${s.segment} (${s.metric})` : s.segment, s.change, s.interval);
    if (rows.length === 0)
        return undefined;
    const tolerance = (0,_regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .checkTolerance */ .Gt)(result, check);
    const rules = [{ y: 0, kind: 'zero' }];
    if (tolerance !== undefined)
        rules.push({ y: up ? -tolerance : tolerance, kind: 'tolerance' });
    return {
        id: `forest-${result.id}-${check.id}`,
        title: `${result.id} · ${check.title}: change in ${deciding?.metric ?? check.segments?.[0]?.metric ?? 'the metric'} overall and by segment, with ${Math.round((deciding?.interval?.level ?? 0.95) * 100)}% intervals`,
        spec: {
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            width: Math.max(240, 70 * rows.length),
            height: 260,
            layer: [
                {
                    data: { values: rules },
                    mark: { type: 'rule', strokeWidth: 1.5 },
                    encoding: {
                        y: { field: 'y', type: 'quantitative' },
                        color: { field: 'kind', type: 'nominal', scale: { domain: ['zero', 'tolerance'], range: [_regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .CHART_COLOURS */ .V6.zero, _regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .CHART_COLOURS */ .V6.tolerance] }, legend: { title: null } },
                        strokeDash: { field: 'kind', type: 'nominal', scale: { domain: ['zero', 'tolerance'], range: [[1, 0], [6, 4]] }, legend: null },
                    },
                },
                {
                    data: { values: rows },
                    layer: [
                        {
                            mark: { type: 'rule', strokeWidth: 2 },
                            encoding: {
                                x: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelAngle: -30, labelLimit: 160 } },
                                y: { field: 'low', type: 'quantitative', title: 'change (candidate − production)' },
                                y2: { field: 'high' },
                                color: { value: '#57606a' },
                            },
                        },
                        {
                            mark: { type: 'point', filled: true, size: 90 },
                            encoding: {
                                x: { field: 'label', type: 'nominal', sort: null },
                                y: { field: 'change', type: 'quantitative' },
                                fill: { field: 'better', type: 'nominal', scale: { domain: [true, false], range: [_regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .CHART_COLOURS */ .V6.better, _regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .CHART_COLOURS */ .V6.worse] }, legend: null },
                                color: { field: 'better', type: 'nominal', scale: { domain: [true, false], range: [_regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .CHART_COLOURS */ .V6.better, _regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .CHART_COLOURS */ .V6.worse] }, legend: null },
                                tooltip: [{ field: 'label' }, { field: 'change', format: '+.3f' }, { field: 'low', format: '+.3f' }, { field: 'high', format: '+.3f' }],
                            },
                        },
                    ],
                },
            ],
            resolve: { scale: { color: 'independent' } },
        },
    };
}
function distributionsOf(result) {
    const d = result.details?.distributions;
    return d && typeof d === 'object' ? d : {};
}
/** Histograms of related and unrelated pair cosines, for each model. */
function similarityChart(result) {
    const pairs = distributionsOf(result).pairs;
    if (!pairs)
        return undefined;
    const values = [];
    for (const model of ['production', 'candidate']) {
        for (const label of ['related', 'unrelated']) {
            pairs[model][label].forEach((count, i) => {
                if (count > 0)
                    values.push({ model, label, start: +(pairs.low + i * pairs.width).toFixed(4), end: +(pairs.low + (i + 1) * pairs.width).toFixed(4), count });
            });
        }
    }
    if (values.length === 0)
        return undefined;
    return {
        id: `similarity-${result.id}`,
        title: `${result.id} · cosine of related and unrelated pairs, production and candidate`,
        spec: {
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            data: { values },
            facet: { column: { field: 'model', type: 'nominal', sort: ['production', 'candidate'], title: null } },
            spec: {
                width: 300,
                height: 200,
                mark: { type: 'bar', opacity: 0.65 },
                encoding: {
                    x: { field: 'start', type: 'quantitative', title: 'cosine', scale: { domain: [-1, 1] } },
                    x2: { field: 'end' },
                    y: { field: 'count', type: 'quantitative', stack: null, title: 'pairs' },
                    y2: { datum: 0 },
                    color: { field: 'label', type: 'nominal', scale: { domain: ['related', 'unrelated'], range: ['#0969da', '#bc4c00'] }, legend: { title: null } },
                },
            },
        },
    };
}
/** Histogram of the neighbour overlap@k of the sampled items. */
function overlapChart(result) {
    const neighbours = distributionsOf(result).neighbours;
    if (!neighbours || neighbours.counts.every((c) => c === 0))
        return undefined;
    const values = neighbours.counts.map((count, j) => ({ overlap: +(j / neighbours.k).toFixed(4), count }));
    return {
        id: `overlap-${result.id}`,
        title: `${result.id} · neighbour overlap@${neighbours.k}: share of an item's top-${neighbours.k} neighbours kept`,
        spec: {
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            width: 420,
            height: 200,
            data: { values },
            mark: { type: 'bar', color: '#0969da' },
            encoding: {
                x: { field: 'overlap', type: 'ordinal', title: `overlap@${neighbours.k}`, axis: { labelAngle: 0 } },
                y: { field: 'count', type: 'quantitative', title: 'items' },
            },
        },
    };
}
/** Box plots of the canary's and the baseline's latency samples (every metric named for latency or duration). */
function latencyChart(result) {
    const samples = result.details?.samples;
    if (!samples || typeof samples !== 'object')
        return undefined;
    const values = [];
    for (const [metric, groups] of Object.entries(samples)) {
        if (!/latenc|duration/i.test(metric))
            continue;
        for (const group of ['baseline', 'canary'])
            for (const value of groups[group] ?? [])
                if (Number.isFinite(value))
                    values.push({ metric, group, value });
    }
    if (values.length === 0)
        return undefined;
    return {
        id: `latency-${result.id}`,
        title: `${result.id} · latency of the baseline and the canary`,
        spec: {
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            data: { values },
            facet: { column: { field: 'metric', type: 'nominal', title: null } },
            spec: {
                width: 200,
                height: 220,
                mark: { type: 'boxplot', extent: 1.5 },
                encoding: {
                    x: { field: 'group', type: 'nominal', title: null, sort: ['baseline', 'canary'] },
                    y: { field: 'value', type: 'quantitative', title: 'latency', scale: { zero: false } },
                    color: { field: 'group', type: 'nominal', scale: { domain: ['baseline', 'canary'], range: ['#57606a', '#0969da'] }, legend: null },
                },
            },
            resolve: { scale: { y: 'independent' } },
        },
    };
}
/** Every chart the results support, in report order. */
function reportCharts(results) {
    const charts = [];
    for (const result of results) {
        result.checks.forEach((_, i) => {
            const forest = forestChart(result, i);
            if (forest)
                charts.push(forest);
        });
        for (const chart of [similarityChart(result), overlapChart(result), latencyChart(result)])
            if (chart)
                charts.push(chart);
    }
    return charts;
}
/** Renders a Vega-Lite spec to an SVG string, headless. */
async function renderSvg(spec) {
    const compiled = (0,vega_lite__WEBPACK_IMPORTED_MODULE_1__/* .compile */ .wE)({ ...spec, config: { font: FONT, background: _regression_charts_js__WEBPACK_IMPORTED_MODULE_2__/* .CHART_COLOURS */ .V6.background } }).spec;
    const view = new vega__WEBPACK_IMPORTED_MODULE_0__/* .View */ .Ss2(vega__WEBPACK_IMPORTED_MODULE_0__/* .parse */ .qgA(compiled), { renderer: 'none' });
    try {
        return await view.toSVG();
    }
    finally {
        view.finalize();
    }
}
const STYLE = `body{font-family:${FONT};color:#24292f;background:#fff;margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}
figure{margin:0;overflow-x:auto}footer{margin-top:3rem;color:#57606a;font-size:.85rem}`;
/**
 * The whole HTML report: a heading with the overall verdict, the results' verdicts and
 * summaries, then every chart as inline SVG. Every text from the results is escaped.
 */
async function renderHtmlReport(results, context) {
    const verdict = (0,_render_js__WEBPACK_IMPORTED_MODULE_3__/* .overallVerdict */ .Bn)(results.map((r) => r.verdict));
    const sections = [];
    for (const chart of reportCharts(results)) {
        const svg = await renderSvg(chart.spec);
        sections.push(`<section class="chart" id="${escapeHtmlText(chart.id)}"><h2>${escapeHtmlText(chart.title)}</h2><figure>${svg}</figure></section>`);
    }
    const rows = results.map((r) => `<tr><td>${escapeHtmlText(r.id)}</td><td>${escapeHtmlText(r.kind)}</td><td>${escapeHtmlText(r.verdict)}</td><td>${escapeHtmlText(r.summary)}</td></tr>`);
    const subject = results[0]?.subject;
    return [
        '<!doctype html>',
        '<html lang="en"><head><meta charset="utf-8">',
        // Nothing is fetched and nothing runs: the charts are inline SVG.
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
        `<title>model-gates report: ${escapeHtmlText(verdict)}</title><style>${STYLE}</style></head><body>`,
        `<h1>model-gates report: ${escapeHtmlText(verdict)}${subject ? ` · ${escapeHtmlText(subject.model)} ${escapeHtmlText(subject.productionVersion ?? '')} → ${escapeHtmlText(subject.candidateVersion)}` : ''}</h1>`,
        `<table><thead><tr><th>Result</th><th>Kind</th><th>Verdict</th><th>Summary</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
        ...sections,
        `<footer>model-gates ${escapeHtmlText(context.toolVersion)}${context.commit ? ` · commit ${escapeHtmlText(context.commit.slice(0, 12))}` : ''} · ${sections.length} chart(s)</footer>`,
        '</body></html>',
        '',
    ].join('\n');
}

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } });

/***/ })

};
