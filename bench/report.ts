// docs/performance.md, written by `npm run bench -- --report` from the results of a real run
// (never edited by hand); its chart is bench/chart.ts's.

export interface MetricInfo {
  key: string;
  label: string;
  digits: number;
  /** Also reported as a ratio to the case's first implementation. */
  ratio?: boolean;
}

export interface CaseResult {
  name: string;
  title: string;
  impls: string[];
  labels: Record<string, string>;
  metrics: MetricInfo[];
  /** Per implementation, per metric: one value per repetition. */
  values: Record<string, Record<string, number[]>>;
  /** Per implementation, per ratio metric: the ratio to the first implementation, per repetition. */
  ratios: Record<string, Record<string, number[]>>;
  pairs: { a: string; b: string; ratios: number[] }[];
}

export interface BenchRun {
  machine: { node: string; cpus: number; cpu: string; memoryGiB: number; pin: string };
  reps: number;
  date: string;
  cases: CaseResult[];
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** `median [min–max]` of the values, with `digits` decimals; a dash when there are none. */
export function range(xs: number[] | undefined, digits: number, suffix = ''): string {
  if (xs === undefined || xs.length === 0) return '—';
  const s = [...xs].sort((a, b) => a - b);
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
  return `${f(median(xs))}${suffix} [${f(s[0] as number)}–${f(s[s.length - 1] as number)}]`;
}

interface Target {
  what: string;
  target: string;
  /** The measured values this target is judged on, with how to show them. */
  check: (run: BenchRun) => { shown: string; met: boolean | undefined };
}

function find(run: BenchRun, name: string): CaseResult | undefined {
  return run.cases.find((c) => c.name === name);
}

function ratioOf(run: BenchRun, name: string, impl: string, key: string): number[] | undefined {
  return find(run, name)?.ratios[impl]?.[key];
}

function valueOf(run: BenchRun, name: string, impl: string, key: string): number[] | undefined {
  return find(run, name)?.values[impl]?.[key];
}

/** At least `min` (or at most, with `max`), judged on the median. */
function judge(
  xs: number[] | undefined,
  digits: number,
  suffix: string,
  ok: (m: number) => boolean,
) {
  if (xs === undefined || xs.length === 0) return { shown: 'not run', met: undefined };
  return { shown: range(xs, digits, suffix), met: ok(median(xs)) };
}

function both(
  a: { shown: string; met: boolean | undefined },
  b: { shown: string; met: boolean | undefined },
  sep: string,
): { shown: string; met: boolean | undefined } {
  const met = a.met === undefined || b.met === undefined ? undefined : a.met && b.met;
  return { shown: `${a.shown}${sep}${b.shown}`, met };
}

const TARGETS: Target[] = [
  {
    what: '`receive(into)` bulk, reused buffer: MB/s ratio (accepted; opened) and CPU s/GiB',
    target: '≥ 1.4× raw, ≤ 0.15 s/GiB',
    check: (r) =>
      both(
        both(
          judge(ratioOf(r, 'bulk-accept', 'receive', 'mbs'), 2, '×', (m) => m >= 1.4),
          judge(ratioOf(r, 'bulk-connect', 'receive', 'mbs'), 2, '×', (m) => m >= 1.4),
          '; ',
        ),
        judge(valueOf(r, 'bulk-accept', 'receive', 'cpu'), 2, ' s/GiB', (m) => m <= 0.15),
        '; ',
      ),
  },
  {
    what: '`for await` bulk: MB/s ratio; receiver user CPU ratio',
    target: '≥ 1.0× raw; ≤ 1.2× raw',
    check: (r) =>
      both(
        judge(ratioOf(r, 'bulk-accept', 'iter', 'mbs'), 2, '×', (m) => m >= 1.0),
        judge(ratioOf(r, 'bulk-accept', 'iter', 'user'), 2, '×', (m) => m <= 1.2),
        '; ',
      ),
  },
  {
    what: '`read()` bulk: MB/s ratio; receiver user CPU ratio',
    target: '≥ 1.0× raw; ≤ 1.2× raw',
    check: (r) =>
      both(
        judge(ratioOf(r, 'bulk-accept', 'read', 'mbs'), 2, '×', (m) => m >= 1.0),
        judge(ratioOf(r, 'bulk-accept', 'read', 'user'), 2, '×', (m) => m <= 1.2),
        '; ',
      ),
  },
  {
    what: '`send()` of 64 KiB, awaited: MB/s ratio; sender user CPU ratio',
    target: '≥ 0.95× raw; ≤ 1.3× raw',
    check: (r) =>
      both(
        judge(ratioOf(r, 'bulk-send', 'send', 'mbs'), 2, '×', (m) => m >= 0.95),
        judge(ratioOf(r, 'bulk-send', 'send', 'user'), 2, '×', (m) => m <= 1.3),
        '; ',
      ),
  },
  {
    what: 'small-message `send()` with 50 producers: messages/s ratio',
    target: '≥ 0.8× raw `write()`',
    check: (r) => judge(ratioOf(r, 'small', 'send', 'rate'), 2, '×', (m) => m >= 0.8),
  },
  {
    what: 'ping-pong, one core, `for await`',
    target: '≥ 0.95× raw',
    check: (r) => judge(ratioOf(r, 'ping-pong', 'iter', 'rts'), 2, '×', (m) => m >= 0.95),
  },
  {
    what: 'ping-pong, one core, `receive(into)`',
    target: '≥ 1.05× raw',
    check: (r) => judge(ratioOf(r, 'ping-pong', 'receive', 'rts'), 2, '×', (m) => m >= 1.05),
  },
  {
    what: 'ping-pong, one core, compat',
    target: '≥ 0.85× raw',
    check: (r) => judge(ratioOf(r, 'ping-pong', 'compat', 'rts'), 2, '×', (m) => m >= 0.85),
  },
  {
    what: 'heap per idle connection with a pending receive',
    target: '≤ 2.0 KB',
    check: (r) => judge(valueOf(r, 'connections', 'sockflow', 'heap'), 0, ' B', (m) => m <= 2048),
  },
  {
    what: "10,000 concurrent connects, sockflow's default backlog: seconds; listen overflows",
    target: '≤ 1.0 s; none',
    check: (r) =>
      both(
        judge(valueOf(r, 'connections', 'sockflow', 'connect'), 2, ' s', (m) => m <= 1.0),
        judge(valueOf(r, 'connections', 'sockflow', 'overflows'), 0, '', (m) => m === 0),
        '; ',
      ),
  },
  {
    what: '`messages()`, 100 B messages packed in 64 KiB writes: messages/s ratio',
    target: '≥ 1.5× for await + Buffer.concat (issue 4)',
    check: (r) => judge(ratioOf(r, 'messages-packed', 'messages', 'rate'), 2, '×', (m) => m >= 1.5),
  },
];

const mark = (met: boolean | undefined): string =>
  met === undefined ? '—' : met ? 'met' : 'missed';

function caseTable(c: CaseResult): string {
  const head = ['implementation'];
  for (const m of c.metrics) {
    head.push(m.label);
    if (m.ratio) head.push(`${m.label}: ratio`);
  }
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`];
  for (const impl of c.impls) {
    const row = [c.labels[impl] ?? impl];
    for (const m of c.metrics) {
      row.push(range(c.values[impl]?.[m.key], m.digits));
      if (m.ratio) row.push(range(c.ratios[impl]?.[m.key], 2, '×'));
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
  for (const p of c.pairs) {
    lines.push('', `${c.labels[p.a] ?? p.a} / ${c.labels[p.b] ?? p.b}: ${range(p.ratios, 2, '×')}`);
  }
  return lines.join('\n');
}

export function renderReport(runs: BenchRun[]): string {
  const first = runs[0] as BenchRun;
  const out: string[] = [
    '---',
    'title: Performance',
    '---',
    '',
    '# Performance',
    '',
    'Written by `npm run bench -- --report` from a real run of the suite; never edited by hand.',
    'Each case runs its two sides in separate processes; implementations alternate within every',
    "repetition, and every ratio is to the case's first implementation (raw Node) measured in the",
    'same repetition. Figures are the median, with the minimum and maximum over the repetitions in',
    'brackets. Throughput on this kind of machine varies widely from run to run: compare ratios,',
    'not absolute figures. CPU columns cover the whole process (compiler and GC threads too).',
    'Where the kernel splits user from system time by sampling at each timer tick (Linux with',
    'tick-based accounting; 250 Hz where this suite was built), a user figure over a half-second',
    "run is good to about ±20%. The main-thread column is the scheduler's exact clock of the",
    'JavaScript thread (user and system together). How the cases work: the header of',
    '`bench/run.ts`.',
    '',
    `Machine: ${first.machine.cpus} × ${first.machine.cpu}, ${first.machine.memoryGiB} GiB; ${first.reps} repetitions; ${first.date.slice(0, 10)}.`,
    `Node versions: ${runs.map((r) => r.machine.node).join(', ')}.`,
    '',
    '![Ratios to raw Node](performance.svg)',
    '',
    'The chart is drawn by Vega-Lite from [performance.json](performance.json), the raw results',
    'this page was written from (`bench/chart.ts`; `npm run bench:chart` draws it again).',
    '',
    '## Targets',
    '',
    `| what | target | ${runs.map((r) => `Node ${r.machine.node}`).join(' | ')} |`,
    `| --- | --- | ${runs.map(() => '---').join(' | ')} |`,
  ];
  for (const t of TARGETS) {
    const cells = runs.map((r) => {
      const { shown, met } = t.check(r);
      return `${shown} (${mark(met)})`;
    });
    out.push(`| ${t.what} | ${t.target} | ${cells.join(' | ')} |`);
  }
  for (const run of runs) {
    out.push('', `## Node ${run.machine.node}`);
    for (const c of run.cases) out.push('', `### ${c.title}`, '', caseTable(c));
  }
  out.push('');
  return out.join('\n');
}
