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
//   messages:  a raw sender pushes --messages (1,000,000) length-prefixed messages of 100
//              bytes (u32be header) packed into 64 KiB writes, then a quarter as many with one
//              write per message (as an RPC stream sends them), then 256 of 1 MiB (where a
//              growing Buffer.concat copies each message many times); the receiver decodes them.
//              Messages/s and receiver CPU per message, against the framing written on Node's
//              for await over a socket with a growing Buffer.concat (the first row).
//   Bulk and messages run their two sides on separate cores (split), unless --pin none.
//
// Implementations: raw net.Socket, sockflow's for await, read() and receive(into),
// sockflow/compat (receiveAsync/sendAsync with reused event args, looping on synchronous
// completions), and sockflow/streams (a BYOB reader of toReadableStream, toDuplex in
// pipeline, messages()). compat is also given as a ratio to the core's receive(into), the
// path it is built on, measured in the same repetition.
//
// Options: --reps N, --bulk-bytes N, --round-trips N, --size N, --pin same|split|none,
//          --messages N, --only bulk|pingpong|messages, --json (machine-readable results).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const PEER = fileURLToPath(new URL('./peer.js', import.meta.url));

const LABEL: Record<string, string> = {
  raw: "raw net.Socket 'data'",
  iter: 'sockflow for await',
  read: 'sockflow read()',
  receive: 'sockflow receive(into)',
  compat: 'sockflow/compat SAEA',
  byob: 'streams BYOB reader',
  duplex: 'streams toDuplex pipeline',
  'concat-framing': 'node for await+Buffer.concat',
  messages: 'streams messages()',
};

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    'bulk-bytes': { type: 'string', default: String(1024 ** 3) },
    'round-trips': { type: 'string', default: '100000' },
    messages: { type: 'string', default: '1000000' },
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
const messageCount = Number(values.messages);
const MESSAGE_SIZE = 100;
const size = Number(values.size);
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const pin = hasTaskset ? values.pin : 'none';

interface Result {
  bytes: number;
  seconds: number;
  userSeconds: number;
  systemSeconds: number;
  roundTrips?: number;
  messages?: number;
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

async function bulk(impl: string): Promise<Result> {
  const recv = peer(['bulk-recv', impl], cpuFor(bulkPin, 0));
  const port = await recv.port;
  const send = peer(['bulk-send', String(port), String(bulkBytes)], cpuFor(bulkPin, 1));
  const [r] = await Promise.all([recv.result, send.result]);
  if (r === undefined || r.bytes !== bulkBytes)
    throw new Error(`bulk ${impl}: bytes do not add up`);
  return r;
}

async function pingPong(impl: string): Promise<Result> {
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

/** How each messages case sends: how many messages, of what size, packed or one per write. */
const MESSAGE_CASES = {
  packed: {
    count: () => messageCount,
    size: MESSAGE_SIZE,
    send: 'packed',
    title: 'packed into 64 KiB writes',
  },
  each: {
    count: () => messageCount / 4,
    size: MESSAGE_SIZE,
    send: 'each',
    title: 'one write per message',
  },
  large: { count: () => 256, size: 1024 * 1024, send: 'each', title: 'one write per message' },
} as const;
type MessageCase = keyof typeof MESSAGE_CASES;

async function framed(impl: string, which: MessageCase): Promise<Result> {
  const c = MESSAGE_CASES[which];
  const recv = peer(['msg-recv', impl], cpuFor(bulkPin, 0));
  const port = await recv.port;
  const count = c.count();
  const send = peer(
    ['msg-send', String(port), String(count), String(c.size), c.send],
    cpuFor(bulkPin, 1),
  );
  const [r] = await Promise.all([recv.result, send.result]);
  if (r === undefined || r.messages !== count)
    throw new Error(`messages ${impl}: the count does not add up`);
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

interface CaseResult {
  name: string;
  impls: string[];
  /** Per implementation, per repetition: the figure, the extra figure, the ratio to raw. */
  values: Record<string, number[]>;
  extras: Record<string, number[]>;
  ratios: Record<string, number[]>;
  /** Extra ratios between two implementations (a / b), per repetition. */
  pairs: { a: string; b: string; ratios: number[] }[];
}

async function runCase(
  name: string,
  impls: string[],
  one: (impl: string) => Promise<Result>,
  figure: (r: Result) => number,
  extra: (r: Result) => number,
  pairs: [string, string][] = [],
): Promise<CaseResult> {
  const res: CaseResult = {
    name,
    impls,
    values: {},
    extras: {},
    ratios: {},
    pairs: pairs.map(([a, b]) => ({ a, b, ratios: [] })),
  };
  for (const impl of impls) {
    res.values[impl] = [];
    res.extras[impl] = [];
    res.ratios[impl] = [];
  }
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each repetition so no implementation always runs first or last.
    const order = impls.map((_, i) => impls[(i + rep) % impls.length] as string);
    const round: Record<string, number> = {};
    for (const impl of order) {
      const r = await one(impl);
      round[impl] = figure(r);
      res.values[impl]?.push(figure(r));
      res.extras[impl]?.push(extra(r));
    }
    const base = round[impls[0] as string] as number;
    for (const impl of impls) res.ratios[impl]?.push((round[impl] as number) / base);
    for (const p of res.pairs) p.ratios.push((round[p.a] as number) / (round[p.b] as number));
    if (!jsonOut) process.stderr.write(`  ${name}: repetition ${rep + 1}/${reps} done\n`);
  }
  return res;
}

const f2 = (x: number): string => x.toFixed(2);
const f0 = (x: number): string => x.toFixed(0);
const range = (xs: number[], f: (x: number) => string): string => {
  const q = stats(xs);
  return `${f(q.median)} [${f(q.min)}–${f(q.max)}]`;
};

const ratioRange = (xs: number[]): string => {
  const q = stats(xs);
  return `${f2(q.median)}× [${f2(q.min)}–${f2(q.max)}]`;
};

function printCase(res: CaseResult, title: string, unit: string, extraUnit: string): void {
  console.log(`\n${title}`);
  console.log(
    `${'implementation'.padEnd(30)}${`${unit} median [min–max]`.padEnd(34)}${'ratio to the first [min–max]'.padEnd(32)}${extraUnit}`,
  );
  for (const impl of res.impls) {
    console.log(
      (LABEL[impl] ?? impl).padEnd(30) +
        range(res.values[impl] ?? [], f0).padEnd(34) +
        ratioRange(res.ratios[impl] ?? []).padEnd(32) +
        range(res.extras[impl] ?? [], f2),
    );
  }
  for (const p of res.pairs) {
    console.log(`  ${LABEL[p.a] ?? p.a} / ${LABEL[p.b] ?? p.b}`.padEnd(64) + ratioRange(p.ratios));
  }
}

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

const wanted = (name: string): boolean => values.only === undefined || values.only === name;

if (wanted('bulk')) {
  const res = await runCase(
    'bulk',
    ['raw', 'iter', 'read', 'receive', 'compat', 'byob', 'duplex'],
    bulk,
    (r) => r.bytes / r.seconds / 1e6,
    (r) => ((r.userSeconds + r.systemSeconds) / r.bytes) * 1024 ** 3,
    [['compat', 'receive']],
  );
  report.push({ case: 'bulk', bytes: bulkBytes, ...res });
  if (!jsonOut) {
    printCase(
      res,
      `Bulk receive, ${(bulkBytes / 1024 ** 3).toFixed(2)} GiB in 64 KiB writes (receiver accepted the connection; pin ${bulkPin})`,
      'MB/s',
      'receiver CPU s/GiB',
    );
  }
}

if (wanted('pingpong')) {
  const res = await runCase(
    'ping-pong',
    ['raw', 'iter', 'read', 'receive', 'compat'],
    pingPong,
    (r) => (r.roundTrips as number) / r.seconds,
    (r) => (r.userSeconds / (r.roundTrips as number)) * 1e6,
    [['compat', 'receive']],
  );
  report.push({ case: 'ping-pong', roundTrips, size, ...res });
  if (!jsonOut) {
    printCase(
      res,
      `Ping-pong, ${roundTrips} round trips of ${size} B, both sides the same implementation (pin ${pin})`,
      'round trips/s',
      'client user µs/round trip',
    );
  }
}

if (wanted('messages')) {
  for (const which of Object.keys(MESSAGE_CASES) as MessageCase[]) {
    const c = MESSAGE_CASES[which];
    const res = await runCase(
      `messages (${which})`,
      ['concat-framing', 'messages'],
      (impl) => framed(impl, which),
      (r) => (r.messages as number) / r.seconds,
      (r) => ((r.userSeconds + r.systemSeconds) / (r.messages as number)) * 1e6,
    );
    report.push({ case: `messages-${which}`, size: c.size, ...res });
    if (!jsonOut) {
      const size = c.size >= 1024 * 1024 ? `${c.size / 1024 / 1024} MiB` : `${c.size} B`;
      printCase(
        res,
        `Messages, ${c.count()} of ${size} with a u32be header, ${c.title} (pin ${bulkPin})`,
        'messages/s',
        'receiver CPU µs/message',
      );
    }
  }
}

if (jsonOut) console.log(JSON.stringify({ machine, reps, results: report }, null, 2));
