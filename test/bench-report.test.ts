// docs/performance.md's merge (`npm run bench -- --report --only <cases> --merge`): the cases
// run replace theirs, matched per Node major, and say when they were run.
import { describe, expect, it } from 'vitest';
import { mergeRuns, renderReport, type BenchRun, type CaseResult } from '../bench/report.js';

const kase = (name: string, value: number): CaseResult => ({
  name,
  title: `Case ${name}`,
  impls: ['raw'],
  labels: {},
  metrics: [{ key: 'rate', label: 'rate', digits: 0 }],
  values: { raw: { rate: [value] } },
  ratios: {},
  pairs: [],
});
const run = (node: string, date: string, reps: number, cases: CaseResult[]): BenchRun => ({
  machine: { node, cpus: 2, cpu: 'x', memoryGiB: 4, pin: 'same' },
  reps,
  date,
  cases,
});

describe('mergeRuns()', () => {
  it('replaces the cases run, per Node major, keeps the rest, adds new ones, dates each', () => {
    const before = [
      run('20.20.0', '2026-12-01T00:00:00Z', 9, [kase('a', 1), kase('b', 2)]),
      run('24.21.0', '2026-12-01T00:00:00Z', 9, [kase('a', 3), kase('b', 4)]),
    ];
    const fresh = [
      run('20.20.0', '2026-12-06T00:00:00Z', 5, [kase('b', 20), kase('c', 30)]),
      run('24.21.0', '2026-12-06T00:00:00Z', 5, [kase('b', 40)]),
    ];
    const merged = mergeRuns(before, fresh);
    expect(merged.map((r) => r.cases.map((c) => [c.name, c.values.raw?.rate?.[0]]))).toEqual([
      [
        ['a', 1],
        ['b', 20],
        ['c', 30],
      ],
      [
        ['a', 3],
        ['b', 40],
      ],
    ]);
    expect(merged[0]?.cases[0]?.rerun).toBeUndefined();
    expect(merged[0]?.cases[1]?.rerun).toEqual({ date: '2026-12-06T00:00:00Z', reps: 5 });
    expect(before[0]?.cases[1]?.values.raw?.rate?.[0]).toBe(2); // the input is not changed
    const page = renderReport(merged);
    expect(page).toContain('Re-run alone on 2026-12-06 (Node 20.20.0, 5 repetitions');
    expect(page.match(/Re-run alone/g)?.length).toBe(3);
  });
});
