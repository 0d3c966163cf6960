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
  /** Ratios of two implementations per repetition, on `key` (the first metric without it). */
  pairs: { a: string; b: string; key?: string; ratios: number[] }[];
  /** Set on a case re-run alone (`--merge`): when, and with how many repetitions. */
  rerun?: { date: string; reps: number };
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

/** The per-repetition ratios of one of a case's pairs. */
function pairOf(
  run: BenchRun,
  name: string,
  a: string,
  b: string,
  key?: string,
): number[] | undefined {
  return find(run, name)?.pairs.find((p) => p.a === a && p.b === b && p.key === key)?.ratios;
}

/** `x[i] / y[i]` over the repetitions (two cases of the same run). */
function over(x: number[] | undefined, y: number[] | undefined): number[] | undefined {
  if (x === undefined || y === undefined || x.length !== y.length) return undefined;
  return x.map((v, i) => v / (y[i] as number));
}

const atLeast = (min: number) => (m: number) => m >= min;
const atMost = (max: number) => (m: number) => m <= max;

/**
 * `impl`'s bulk receive main-thread CPU per GiB against raw `onread`'s (opened connections),
 * on the connection it opened, then on the one it accepted (same repetition): ≤ 1.05× each.
 */
function againstOnread(r: BenchRun, impl: string): { shown: string; met: boolean | undefined } {
  const onread = valueOf(r, 'bulk-connect', 'raw-onread', 'main');
  return both(
    judge(pairOf(r, 'bulk-connect', impl, 'raw-onread', 'main'), 2, '×', atMost(1.05)),
    judge(over(valueOf(r, 'bulk-accept', impl, 'main'), onread), 2, '×', atMost(1.05)),
    '; ',
  );
}

/**
 * Issue 19's targets, each judged on the median over the repetitions. "Main-thread CPU" is
 * the scheduler's exact clock of the JavaScript thread (schedstat), never tick-sampled time.
 */
const TARGETS: Target[] = [
  {
    what: 'compat ping-pong, round trips/s',
    target: "≥ 1.0× raw `'data'`",
    check: (r) => judge(ratioOf(r, 'ping-pong', 'compat', 'rts'), 2, '×', atLeast(1.0)),
  },
  {
    what: 'compat bulk receive, main-thread CPU per GiB (exact): opened; accepted',
    target: '≤ 1.05× raw `onread` (opened)',
    check: (r) => againstOnread(r, 'compat'),
  },
  {
    what: '`messageBatches()`, 100 B packed: messages/s',
    target: "≥ 1.5× for await + `Buffer.concat`; ≥ 1.0× hand parser in `'data'`",
    check: (r) =>
      both(
        judge(ratioOf(r, 'messages-packed', 'batches', 'rate'), 2, '×', atLeast(1.5)),
        judge(pairOf(r, 'messages-packed', 'batches', 'raw-parser'), 2, '×', atLeast(1.0)),
        '; ',
      ),
  },
  {
    what: '`lineBatches()`, 100 B lines packed: lines/s',
    target: '≥ 1.5× `node:readline` over the socket',
    check: (r) => judge(ratioOf(r, 'lines-packed', 'line-batches', 'rate'), 2, '×', atLeast(1.5)),
  },
  {
    what: 'RESP, pipelined GETs/s of the streams client',
    target: '≥ 0.9× raw hand parser; ≥ 1.3× ioredis',
    check: (r) =>
      both(
        judge(ratioOf(r, 'resp', 'streams', 'rate'), 2, '×', atLeast(0.9)),
        judge(pairOf(r, 'resp', 'streams', 'ioredis'), 2, '×', atLeast(1.3)),
        '; ',
      ),
  },
  {
    what: '`receive(into)` bulk, main-thread CPU per GiB (exact): opened; accepted',
    target: '≤ 1.05× raw `onread` (opened)',
    check: (r) => againstOnread(r, 'receive'),
  },
  {
    what: '`receive(into)` bulk MB/s as a fraction of iperf3: accepted; opened',
    target: '≥ 0.75',
    check: (r) =>
      both(
        judge(pairOf(r, 'bulk-accept', 'receive', 'iperf3'), 2, '×', atLeast(0.75)),
        judge(pairOf(r, 'bulk-connect', 'receive', 'iperf3'), 2, '×', atLeast(0.75)),
        '; ',
      ),
  },
  {
    what: 'ping-pong, round trips/s: `receive(into)`; `for await`',
    target: "≥ 1.0× raw `'data'`",
    check: (r) =>
      both(
        judge(ratioOf(r, 'ping-pong', 'receive', 'rts'), 2, '×', atLeast(1.0)),
        judge(ratioOf(r, 'ping-pong', 'iter', 'rts'), 2, '×', atLeast(1.0)),
        '; ',
      ),
  },
  {
    what: 'compat ping-pong against .NET 10 `SocketAsyncEventArgs`, round trips/s',
    target: '≥ 0.8× .NET',
    check: (r) => judge(pairOf(r, 'ping-pong', 'compat', 'dotnet'), 2, '×', atLeast(0.8)),
  },
  {
    what: 'awaited 64 KiB `send()`: MB/s; sender main-thread CPU per GiB (exact)',
    target: '≥ 0.95× raw `write()`; ≤ 1.1× raw',
    check: (r) =>
      both(
        judge(ratioOf(r, 'bulk-send', 'send', 'mbs'), 2, '×', atLeast(0.95)),
        judge(ratioOf(r, 'bulk-send', 'send', 'main'), 2, '×', atMost(1.1)),
        '; ',
      ),
  },
  {
    what: 'heap per idle connection with a pending receive',
    target: '≤ 2.0 KB',
    check: (r) => judge(valueOf(r, 'connections', 'sockflow', 'heap'), 0, ' B', atMost(2048)),
  },
  {
    what: '10,000 concurrent connects: seconds (the floor beside it); listen overflows',
    target: '≤ 0.5 s; none',
    check: (r) => {
      const t = judge(valueOf(r, 'connections', 'sockflow', 'connect'), 2, ' s', atMost(0.5));
      const floor = valueOf(r, 'connections', 'floor', 'connect');
      const shown = floor === undefined ? t.shown : `${t.shown} (floor ${range(floor, 2, ' s')})`;
      return both(
        { shown, met: t.met },
        judge(valueOf(r, 'connections', 'sockflow', 'overflows'), 0, '', (m) => m === 0),
        '; ',
      );
    },
  },
];

/**
 * The report `before` with the cases of `fresh` (a run of some cases, `--only`) in place of
 * theirs, run by run, matched on the Node major version: each fresh case carries its own date
 * and repetitions; a case new to the report is added. A Node version `before` lacks is added
 * as it is. Anchors stay within a case (and a repetition), so every ratio stays one measured
 * in the same run; a target judged across two cases is only as fresh as the older of them.
 */
export function mergeRuns(before: BenchRun[], fresh: BenchRun[]): BenchRun[] {
  const major = (r: BenchRun): string => r.machine.node.split('.')[0] as string;
  const out = before.map((r) => ({ ...r, cases: [...r.cases] }));
  for (const run of fresh) {
    const into = out.find((r) => major(r) === major(run));
    if (into === undefined) {
      out.push(run);
      continue;
    }
    for (const c of run.cases) {
      const tagged: CaseResult = { ...c, rerun: { date: run.date, reps: run.reps } };
      const at = into.cases.findIndex((x) => x.name === c.name);
      if (at < 0) into.cases.push(tagged);
      else into.cases[at] = tagged;
    }
  }
  return out;
}

/** Issue 23's targets: servers against raw node:net with batched writes, same run. */
const SERVER_TARGETS: Target[] = [1, 16]
  .flatMap((depth): Target[] => {
    const name = `http-${depth}`;
    const at = depth === 1 ? 'one request at a time' : `${depth} pipelined`;
    const ratio = (impl: string, min: number) => (r: BenchRun) =>
      judge(ratioOf(r, name, impl, 'rate'), 2, '×', atLeast(min));
    return [
      { what: `HTTP, ${at}: sockflow core`, target: '≥ 1.0× raw batched', check: ratio('core', 1) },
      {
        what: `HTTP, ${at}: streams natural loop (its floor beside: raw, each request awaited twice)`,
        target: `≥ ${depth === 1 ? '0.95' : '0.8'}× raw batched`,
        check: (r) => {
          const judged = ratio('streams', depth === 1 ? 0.95 : 0.8)(r);
          const floor = ratioOf(r, name, 'raw-awaits', 'rate');
          return floor === undefined
            ? judged
            : { ...judged, shown: `${judged.shown} (floor ${range(floor, 2, '×')})` };
        },
      },
      { what: `HTTP, ${at}: compat`, target: '≥ 0.95× raw batched', check: ratio('compat', 0.95) },
    ];
  })
  .concat([
    {
      what: 'RESP server, redis-benchmark -P 16: GETs/s; SETs/s (redis-server beside)',
      target: '≥ 0.9× raw hand parser',
      check: (r) => {
        const both2 = both(
          judge(ratioOf(r, 'resp-server', 'streams', 'get'), 2, '×', atLeast(0.9)),
          judge(ratioOf(r, 'resp-server', 'streams', 'set'), 2, '×', atLeast(0.9)),
          '; ',
        );
        const redis = pairOf(r, 'resp-server', 'streams', 'redis');
        return redis === undefined
          ? both2
          : { ...both2, shown: `${both2.shown} (${range(redis, 2, '×')} redis-server)` };
      },
    },
  ]);

/** A table of targets, a column per Node version: the figures judged, and met or missed. */
function targetTable(targets: Target[], runs: BenchRun[]): string[] {
  const rows = [
    `| what | target | ${runs.map((r) => `Node ${r.machine.node}`).join(' | ')} |`,
    `| --- | --- | ${runs.map(() => '---').join(' | ')} |`,
  ];
  for (const t of targets) {
    const cells = runs.map((r) => {
      const { shown, met } = t.check(r);
      return `${shown} (${mark(met)})`;
    });
    rows.push(`| ${t.what} | ${t.target} | ${cells.join(' | ')} |`);
  }
  return rows;
}

/** `a / b[, metric]: median [min–max]` for one of a case's pairs. */
export function pairLine(c: CaseResult, p: CaseResult['pairs'][number]): string {
  const metric =
    p.key === undefined ? '' : `, ${c.metrics.find((m) => m.key === p.key)?.label ?? p.key}`;
  return `${c.labels[p.a] ?? p.a} / ${c.labels[p.b] ?? p.b}${metric}: ${range(p.ratios, 2, '×')}`;
}

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
  for (const p of c.pairs) lines.push('', pairLine(c, p));
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
    'A case re-run alone later (`--merge`) says so under its title, with its date and repetitions.',
    `Node versions: ${runs.map((r) => r.machine.node).join(', ')}.`,
    '',
    '![Ratios to raw Node](performance.svg)',
    '',
    'The chart is drawn by Vega-Lite from [performance.json](performance.json), the raw results',
    'this page was written from (`bench/chart.ts`; `npm run bench:chart` draws it again).',
    '',
    '## Targets',
    '',
    "The second performance round's (issue 19), each judged on the median. Every CPU figure",
    "here is the main thread's exact clock (schedstat), never tick-sampled user time; ratios are",
    'to the anchor named, measured in the same run (a pair of rows of one case, or, for the',
    "accepted connection's CPU, the opened connection's raw `onread` row of the same",
    'repetition). The floor beside the connect time is a server that only keeps each accepted',
    'handle: what the client and the kernel allow.',
    '',
    ...targetTable(TARGETS, runs),
  ];
  if (runs.some((r) => ['http-1', 'http-16', 'resp-server'].some((n) => find(r, n)))) {
    out.push(
      '',
      '## Server targets',
      '',
      "Issue 23's, each judged on the median of requests/s against raw `node:net` answering a",
      "`'data'` chunk's requests with one write (RESP: its hand parser), measured in the same",
      'repetition.',
      '',
      ...targetTable(SERVER_TARGETS, runs),
    );
  }
  for (const run of runs) {
    out.push('', `## Node ${run.machine.node}`);
    for (const c of run.cases) {
      out.push('', `### ${c.title}`, '');
      if (c.rerun !== undefined) {
        out.push(
          `Re-run alone on ${c.rerun.date.slice(0, 10)} (Node ${run.machine.node}, ${c.rerun.reps} repetitions; \`--merge\`), after the rest of this page.`,
          '',
        );
      }
      out.push(caseTable(c));
    }
  }
  out.push('');
  return out.join('\n');
}
