// docs/performance.svg from the benchmark's JSON (docs/performance.json), drawn by Vega-Lite:
// one row per case and implementation, a bar per Node version at its median ratio to raw Node,
// whiskers from the minimum to the maximum, 1× marked. New cases and metrics need no drawing
// code: the chart is built from the results' own names.
//
//   node dist/bench/chart.js [results.json] [out.svg]   (defaults: docs/performance.json, .svg)
//
// Vega and Vega-Lite are development dependencies: an installed sockflow's `bench --report`
// writes the page and its JSON without the chart (this script draws it later).
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { median, type BenchRun } from './report.js';

interface Row {
  node: string;
  row: string;
  median: number;
  min: number;
  max: number;
}

/** Every implementation's ratio to its case's first one, on the case's first ratio metric. */
export function chartRows(runs: BenchRun[]): Row[] {
  const rows: Row[] = [];
  for (const run of runs) {
    for (const c of run.cases) {
      const metric = c.metrics.find((m) => m.ratio);
      if (metric === undefined) continue;
      for (const impl of c.impls.slice(1)) {
        const xs = (c.ratios[impl]?.[metric.key] ?? []).filter(Number.isFinite);
        if (xs.length === 0) continue;
        rows.push({
          node: `Node ${run.machine.node}`,
          row: `${c.name} (${metric.label}): ${c.labels[impl] ?? impl}`,
          median: median(xs),
          min: Math.min(...xs),
          max: Math.max(...xs),
        });
      }
    }
  }
  return rows;
}

/** The chart's Vega-Lite specification. */
export function chartSpec(runs: BenchRun[]): Record<string, unknown> {
  const rows = chartRows(runs);
  const cap = 3; // ratios past 3× are drawn at 3× (the label keeps the true median)
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Ratio to raw Node measured in the same repetition',
      subtitle: 'bar: median; whiskers: min–max over the repetitions; above 1× is better',
    },
    background: 'white',
    width: 420,
    data: {
      values: rows.map((r) => ({
        ...r,
        shown: Math.min(r.median, cap),
        low: Math.min(r.min, cap),
        high: Math.min(r.max, cap),
      })),
    },
    encoding: {
      y: { field: 'row', type: 'nominal', sort: null, title: null, axis: { labelLimit: 520 } },
      yOffset: { field: 'node', type: 'nominal' },
      color: { field: 'node', type: 'nominal', title: null, legend: { orient: 'top' } },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: {
            field: 'shown',
            type: 'quantitative',
            title: `ratio (capped at ${cap}×)`,
            scale: { domain: [0, cap] },
          },
          tooltip: [{ field: 'median', format: '.2f' }],
        },
      },
      {
        mark: { type: 'rule', color: '#222' },
        encoding: {
          x: { field: 'low', type: 'quantitative' },
          x2: { field: 'high' },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, dy: -1, fontSize: 9, color: '#000' },
        encoding: {
          x: { field: 'shown', type: 'quantitative' },
          text: { field: 'median', type: 'quantitative', format: '.2f' },
        },
      },
      {
        data: { values: [{ one: 1 }] },
        mark: { type: 'rule', color: '#c00', strokeDash: [4, 3] },
        encoding: {
          x: { field: 'one', type: 'quantitative' },
          y: null,
          yOffset: null,
          color: null,
        },
      },
    ],
  };
}

/** The chart as SVG, or `undefined` when Vega is not installed (a user's install). */
export async function renderChart(runs: BenchRun[]): Promise<string | undefined> {
  let vega: typeof import('vega');
  let vegaLite: typeof import('vega-lite');
  try {
    vega = await import('vega');
    vegaLite = await import('vega-lite');
  } catch {
    return undefined;
  }
  const { spec } = vegaLite.compile(chartSpec(runs) as never);
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const input = process.argv[2] ?? 'docs/performance.json';
  const output = process.argv[3] ?? input.replace(/\.json$/, '.svg');
  const runs = JSON.parse(readFileSync(input, 'utf8')) as BenchRun[];
  const svg = await renderChart(runs);
  if (svg === undefined) {
    console.error('Vega is not installed: npm install vega vega-lite');
    process.exit(1);
  }
  writeFileSync(output, svg);
  console.log(`Wrote ${output} from ${input}`);
}
