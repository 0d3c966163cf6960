// `npm run bench`: sockflow against raw net.Socket over loopback, side by side in one run.
//
// Each case runs its two sides in separate processes (bench/peer.ts). Implementations
// alternate within every repetition, and each sockflow figure is a ratio to raw Node measured
// in the same repetition, so machine drift between repetitions cancels out. Reported: median,
// min and max over the repetitions.
//
//   bulk:      a raw sender pushes --bulk-bytes (1 GiB) in 64 KiB writes; the receiver is the
//              implementation under test, on a connection it accepted. MB/s, CPU s/GiB.
//   ping-pong: --round-trips (100,000) round trips of 64 bytes, both sides the implementation
//              under test, both processes pinned to one core (--pin same; throughput on two
//              cores is bimodal on this kind of machine). Round trips/s.
//   Bulk always runs its two sides on separate cores (split), unless --pin none.
//
// Implementations: raw net.Socket, sockflow's for await, read() and receive(into), and
// sockflow/compat (receiveAsync/sendAsync with reused event args, looping on synchronous
// completions). compat is also given as a ratio to the core's receive(into), the path it is
// built on, measured in the same repetition.
//
// Options: --reps N, --bulk-bytes N, --round-trips N, --size N, --pin same|split|none,
//          --only bulk|pingpong, --json (machine-readable results on stdout).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const PEER = fileURLToPath(new URL('./peer.js', import.meta.url));
const IMPLS = ['raw', 'iter', 'read', 'receive', 'compat'] as const;
type Impl = (typeof IMPLS)[number];
const LABEL: Record<Impl, string> = {
  raw: "raw net.Socket 'data'",
  iter: 'sockflow for await',
  read: 'sockflow read()',
  receive: 'sockflow receive(into)',
  compat: 'sockflow/compat SAEA',
};

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    'bulk-bytes': { type: 'string', default: String(1024 ** 3) },
    'round-trips': { type: 'string', default: '100000' },
    size: { type: 'string', default: '64' },
    pin: { type: 'string', default: 'same' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
const jsonOut = values.json;
const bulkBytes = Number(values['bulk-bytes']);
const roundTrips = Number(values['round-trips']);
const size = Number(values.size);
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const pin = hasTaskset ? values.pin : 'none';

interface Result {
  bytes: number;
  seconds: number;
  userSeconds: number;
  systemSeconds: number;
  roundTrips?: number;
}

/** Starts a peer process; `cpu` pins it with taskset. Resolves its port line and its result. */
function peer(
  args: string[],
  cpu: string | undefined,
): { port: Promise<number>; result: Promise<Result | undefined> } {
  const cmd = cpu === undefined ? process.execPath : 'taskset';
  const argv = cpu === undefined ? [PEER, ...args] : ['-c', cpu, process.execPath, PEER, ...args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let portResolve: (p: number) => void = () => {};
  const port = new Promise<number>((r) => (portResolve = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /PORT (\d+)/.exec(out);
    if (m) portResolve(Number(m[1]));
  });
  const result = once(child, 'close').then(([code]) => {
    if (code !== 0) throw new Error(`peer ${args.join(' ')} exited with ${String(code)}`);
    const m = /RESULT (.*)/.exec(out);
    return m ? (JSON.parse(m[1] as string) as Result) : undefined;
  });
  return { port, result };
}

/** The core a side runs on: both on core 0 (`same`), one each (`split`), or unpinned. */
function cpuFor(mode: string, side: 0 | 1): string | undefined {
  if (mode === 'same') return '0';
  if (mode === 'split') return String(side);
  return undefined;
}

// Bulk runs its sides on separate cores (unless --pin none): pinning both to one core would
// measure the scheduler's time slicing, not the receive path.
const bulkPin = pin === 'none' ? 'none' : 'split';

async function bulk(impl: Impl): Promise<Result> {
  const recv = peer(['bulk-recv', impl], cpuFor(bulkPin, 0));
  const port = await recv.port;
  const send = peer(['bulk-send', String(port), String(bulkBytes)], cpuFor(bulkPin, 1));
  const [r] = await Promise.all([recv.result, send.result]);
  if (r === undefined || r.bytes !== bulkBytes)
    throw new Error(`bulk ${impl}: bytes do not add up`);
  return r;
}

async function pingPong(impl: Impl): Promise<Result> {
  const server = peer(['echo', impl], cpuFor(pin, 0));
  const port = await server.port;
  const client = peer(
    ['ping', impl, String(port), String(roundTrips), String(size)],
    cpuFor(pin, 1),
  );
  const [, r] = await Promise.all([server.result, client.result]);
  if (r === undefined) throw new Error(`ping-pong ${impl}: no result`);
  return r;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const stats = (xs: number[]): { median: number; min: number; max: number } => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
});

type Figure = { impl: Impl; values: number[]; ratios: number[] };

async function runCase(
  name: string,
  once: (impl: Impl) => Promise<Result>,
  figure: (r: Result) => number,
  extra: (r: Result) => number,
): Promise<{
  name: string;
  figures: Figure[];
  extras: Record<Impl, number[]>;
  compatToCore: number[];
}> {
  const empty = (): Record<Impl, number[]> => ({
    raw: [],
    iter: [],
    read: [],
    receive: [],
    compat: [],
  });
  const values = empty();
  const extras = empty();
  const ratios = empty();
  /** compat against the core's receive(into), the idiom it is built on, per repetition. */
  const compatToCore: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each repetition so no implementation always runs first or last.
    const order = IMPLS.map((_, i) => IMPLS[(i + rep) % IMPLS.length] as Impl);
    const round: Partial<Record<Impl, number>> = {};
    for (const impl of order) {
      const r = await once(impl);
      round[impl] = figure(r);
      values[impl].push(figure(r));
      extras[impl].push(extra(r));
    }
    for (const impl of IMPLS) ratios[impl].push((round[impl] as number) / (round.raw as number));
    compatToCore.push((round.compat as number) / (round.receive as number));
    if (!jsonOut) process.stderr.write(`  ${name}: repetition ${rep + 1}/${reps} done\n`);
  }
  return {
    name,
    figures: IMPLS.map((impl) => ({ impl, values: values[impl], ratios: ratios[impl] })),
    extras,
    compatToCore,
  };
}

const f2 = (x: number): string => x.toFixed(2);
const f0 = (x: number): string => x.toFixed(0);

const report: unknown[] = [];
const machine = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  pin,
};
if (!values.json) {
  console.log(
    `sockflow bench: node ${machine.node}, ${machine.cpus} × ${machine.cpu}, ${reps} repetitions`,
  );
}

if (values.only === undefined || values.only === 'bulk') {
  const res = await runCase(
    'bulk',
    (impl) => bulk(impl),
    (r) => r.bytes / r.seconds / 1e6,
    (r) => ((r.userSeconds + r.systemSeconds) / r.bytes) * 1024 ** 3,
  );
  report.push({ case: 'bulk', bytes: bulkBytes, ...res });
  if (!values.json) {
    console.log(
      `\nBulk receive, ${(bulkBytes / 1024 ** 3).toFixed(2)} GiB in 64 KiB writes (receiver accepted the connection; pin ${bulkPin})`,
    );
    console.log(
      'implementation             MB/s median [min–max]     ratio to raw median [min–max]   receiver CPU s/GiB',
    );
    for (const f of res.figures) {
      const v = stats(f.values);
      const q = stats(f.ratios);
      const c = stats(res.extras[f.impl]);
      console.log(
        `${LABEL[f.impl].padEnd(26)} ${f0(v.median).padStart(6)} [${f0(v.min)}–${f0(v.max)}]`.padEnd(
          52,
        ) +
          `${f2(q.median)}× [${f2(q.min)}–${f2(q.max)}]`.padEnd(32) +
          `${f2(c.median)} [${f2(c.min)}–${f2(c.max)}]`,
      );
    }
    printCompatToCore(res.compatToCore);
  }
}

if (values.only === undefined || values.only === 'pingpong') {
  const res = await runCase(
    'ping-pong',
    (impl) => pingPong(impl),
    (r) => (r.roundTrips as number) / r.seconds,
    (r) => (r.userSeconds / (r.roundTrips as number)) * 1e6,
  );
  report.push({ case: 'ping-pong', roundTrips, size, ...res });
  if (!values.json) {
    console.log(
      `\nPing-pong, ${roundTrips} round trips of ${size} B, both sides the same implementation (pin ${pin})`,
    );
    console.log(
      'implementation             round trips/s [min–max]   ratio to raw median [min–max]   client user µs/round trip',
    );
    for (const f of res.figures) {
      const v = stats(f.values);
      const q = stats(f.ratios);
      const c = stats(res.extras[f.impl]);
      console.log(
        `${LABEL[f.impl].padEnd(26)} ${f0(v.median).padStart(6)} [${f0(v.min)}–${f0(v.max)}]`.padEnd(
          52,
        ) +
          `${f2(q.median)}× [${f2(q.min)}–${f2(q.max)}]`.padEnd(32) +
          `${f2(c.median)} [${f2(c.min)}–${f2(c.max)}]`,
      );
    }
    printCompatToCore(res.compatToCore);
  }
}

if (values.json) console.log(JSON.stringify({ machine, reps, results: report }, null, 2));

function printCompatToCore(xs: number[]): void {
  const q = stats(xs);
  console.log(
    `${'  compat / core receive(into)'.padEnd(52)}${f2(q.median)}× [${f2(q.min)}–${f2(q.max)}]`,
  );
}
