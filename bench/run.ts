// `npm run bench`: sockflow against raw net.Socket (and Node's other idioms) over loopback,
// side by side in one run. Never part of `npm test`.
//
// Each case runs its two sides in separate processes (bench/peer.ts, bench/peers/*).
// Implementations alternate within every repetition, and every ratio is taken against the
// case's first implementation (raw Node) measured in the same repetition, so machine drift
// between repetitions cancels out. Reported: median, min and max over the repetitions.
//
//   bulk-accept   a raw sender pushes --bulk-bytes (1 GiB) in 64 KiB writes; the receiver under
//                 test accepted the connection. MB/s, receiver CPU (and user CPU) s/GiB, the
//                 main thread's exact CPU s/GiB (schedstat), peak RSS.
//                 Every bulk case first moves --warm-bytes (512 MiB) unmeasured through the same
//                 code it then measures: the JIT compiles the send and receive paths over the
//                 first several thousand operations (~50 ms of compiler-thread CPU for sockflow's
//                 send loop, ~40% of raw's user CPU for a whole GiB), a one-off, not a per-byte
//                 cost. --trace-opt showed 17 compilations inside the measured GiB after a
//                 128 MiB warm-up, 9 after 256 MiB, 2 after 512 MiB.
//   bulk-connect  the same, on a connection the receiver opened (where raw onread is possible).
//   bulk-send     the sender under test sends 64 KiB blocks, each awaited; a raw onread receiver.
//   ping-pong     --round-trips (100,000) round trips of --size (64) bytes, both sides the
//                 implementation under test, both processes pinned to one core (--pin same:
//                 throughput on two cores is bimodal on this kind of machine). Round trips/s,
//                 and the client's exact main-thread CPU per round trip.
//   small         --small-messages (200,000) messages of 100 bytes from --producers (50)
//                 concurrent producers on one connection; a raw receiver. Messages/s, sender CPU.
//   connections   --connections (10,000) clients connect at once and each echoes one message;
//                 the server under test uses its default backlog. Connect and echo times, heap
//                 and RSS per idle connection (each with a receive pending), listen overflows.
//                 The floor row's server only keeps each accepted handle until all are in (no
//                 socket built, nothing read): the connect time the client and kernel allow.
//   send-queue    --queued-sends (100,000) unawaited sends of one shared 1 KiB buffer to a peer that
//                 never reads: heap bytes per waiting send (issue 16's target: at most 200 B),
//                 against net.Socket write()'s own buffering.
//   udp-recv-*    a raw dgram sender sends --datagrams (200,000) of 64 B or 1,400 B (64 in
//                 flight, after as many unmeasured) to the receiver under test: datagrams/s
//                 received and the receiver's main-thread CPU per datagram (pin split).
//   udp-send-*    the sender under test sends them to a raw receiver: datagrams/s and CPU.
//   messages-*    length-prefixed messages decoded by messages() and messageBatches() against
//                 Node's for await with a growing Buffer.concat and a hand-written parser in a
//                 raw 'data' handler: --messages (4,000,000) of 100 B packed in 64 KiB writes,
//                 a sixteenth as many one write each, 256 of 1 MiB one write each. (At 1,000,000
//                 the JIT's first tens of milliseconds weighed on every rate: the hand parser
//                 ran at 4.5 M/s there, 6.4 M/s over 4,000,000.) lines-packed counts the same.
//   resp          --resp-gets (100,000) pipelined GETs against a real redis-server (installed
//                 with apt-get when missing; skipped with the reason otherwise): a raw node:net
//                 client with a hand parser, sockflow streams' try forms, ioredis. Each client
//                 runs one round unmeasured (the JIT's warm-up, as for bulk cases), then 5
//                 rounds measured together (each round's replies all in before the next).
//   lines-packed  100-byte lines packed in 64 KiB writes, read by lines() and lineBatches()
//                 against node:readline's 'line' events over the socket.
//   http-1, http-16  issue 23's tiny HTTP/1.1 keep-alive server ("Hello, World!", a parser
//                 that finds each head's \r\n\r\n) on raw node:net (one write per chunk's
//                 answers; one write() per response; batched, but each request handed through
//                 two awaited resolved promises: the floor of any loop that awaits a framing
//                 read and a send per request), node:http, the sockflow core, streams'
//                 natural loop (readUntil, send) and compat, loaded by wrk (Debian's, installed
//                 when missing; skipped with the reason otherwise): 50 connections, one request
//                 at a time or 16 pipelined per write (a Lua script), server on core 0 and wrk on
//                 core 1 whatever --pin says; 1 s unmeasured, then --http-seconds (8) measured.
//                 Requests/s as wrk counts responses, and the server's main-thread CPU per
//                 request over the same window.
//   resp-server   examples/resp-server.ts (streams' try forms) against a raw node:net RESP
//                 server with a hand parser and redis-server itself, under redis-benchmark
//                 -P 16 -c 50 (Debian's redis-server and redis-tools, installed when missing),
//                 --resp-server-requests (1,000,000) SETs then GETs after 20,000 unmeasured.
//   fetch         undici's fetch (the client behind Node's) against a node:http keep-alive
//                 server (on core 0; the client on core 1), 50 requests in flight: undici's own
//                 connector, and sockflow connections handed to its Agent's connect hook
//                 (toDuplex); --fetch-requests (100,000) after a tenth unmeasured. Requests/s
//                 and the client's main-thread CPU per request.
//   .NET      ping-pong, bulk-accept and bulk-connect also run .NET 10's own SocketAsyncEventArgs
//             (bench/dotnet/SaeaPeer, built with the machine's SDK into .build/dotnet-peer; its
//             rows are left out with the reason where dotnet is missing) and print compat and
//             receive(into) as ratios to it. Its CPU is the whole process's (no main-thread
//             figure: completions run on the thread pool).
//   Bulk, small and messages cases run their sides on separate cores (split) unless --pin none.
//
// Options: --reps N, --bulk-bytes N, --warm-bytes N, --round-trips N, --size N, --small-messages N,
//          --producers N, --connections N, --messages N, --queued-sends N, --resp-gets N,
//          --pin same|split|none,
//          --only <case>[,<case>…], --json (results as JSON on stdout),
//          --report (also run under Node 24 via npx, then write docs/performance.md, .json (the
//          raw results the page was rendered from) and .svg (bench/chart.ts, Vega-Lite)).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderChart } from './chart.js';
import { hasPromiseSocket } from './peers/common.js';
import { ensureBenchTlsDir, HANDSHAKE_WARMUP } from './peers/tls.js';
import { Progress } from './progress.js';
import {
  mergeRuns,
  pairLine,
  range,
  renderReport,
  type BenchRun,
  type CaseResult,
  type MetricInfo,
} from './report.js';

const PEER = fileURLToPath(new URL('./peer.js', import.meta.url));
/** The .NET peer's project (a repository checkout has it; the installed package does not). */
const DOTNET_PEER_PROJECT = fileURLToPath(new URL('../../bench/dotnet/SaeaPeer/', import.meta.url));
const DOTNET_PEER_OUT = fileURLToPath(new URL('../../.build/dotnet-peer/', import.meta.url));
const DOTNET_PEER_DLL = join(DOTNET_PEER_OUT, 'SaeaPeer.dll');
const SELF = fileURLToPath(import.meta.url);

function parseOptions() {
  return parseArgs({
    options: {
      reps: { type: 'string', default: '5' },
      'bulk-bytes': { type: 'string', default: String(1024 ** 3) },
      'warm-bytes': { type: 'string', default: String(512 * 1024 ** 2) },
      'round-trips': { type: 'string', default: '100000' },
      size: { type: 'string', default: '64' },
      'small-messages': { type: 'string', default: '200000' },
      producers: { type: 'string', default: '50' },
      connections: { type: 'string', default: '10000' },
      handshakes: { type: 'string', default: '2000' },
      'queued-sends': { type: 'string', default: '100000' },
      datagrams: { type: 'string', default: '200000' },
      messages: { type: 'string', default: '4000000' },
      'resp-gets': { type: 'string', default: '100000' },
      'http-seconds': { type: 'string', default: '8' },
      'resp-server-requests': { type: 'string', default: '1000000' },
      'fetch-requests': { type: 'string', default: '100000' },
      pin: { type: 'string', default: 'same' },
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
      report: { type: 'boolean', default: false },
      merge: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** `sockflow bench --help` and `npm run bench -- --help`. */
const help = (cases: string[]): string => `Usage: sockflow bench [options]

Measures sockflow against raw net.Socket, Node's for await and promise-socket over loopback,
each case's implementations side by side in one run. Prints a table per case (ratios against
the case's first row, raw Node, measured in the same repetition) and a progress bar on a
terminal (plain lines otherwise) on standard error.

Options:
  --only <case>[,<case>…]  run only these cases (a prefix picks a family: udp, tls, messages)
  --reps <n>               repetitions of every case (default 5)
  --json                   print the results as JSON instead of tables
  --report                 also run under Node 24 and write docs/performance.md, .svg, .json
  --merge                  with --report and --only: the cases run replace theirs in the
                           existing docs/performance.json (each keeps its own date), the rest stay
  --pin same|split|none    CPU pinning with taskset (default same)
  --bulk-bytes, --warm-bytes, --round-trips, --size, --small-messages, --producers,
  --connections, --handshakes, --queued-sends, --datagrams, --messages, --resp-gets,
  --http-seconds, --resp-server-requests, --fetch-requests <n>: sizes
  -h, --help               this text

Cases: ${cases.join(', ')}`;

let parsed: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions();
} catch (err) {
  process.stderr.write(`sockflow bench: ${(err as Error).message} (see sockflow bench --help)\n`);
  process.exit(2);
}
const { values } = parsed;

/** A bad option value: one line, exit code 2, before anything runs. */
function usage(message: string): never {
  process.stderr.write(`sockflow bench: ${message} (see sockflow bench --help)\n`);
  process.exit(2);
}
for (const [name, value] of Object.entries(values)) {
  if (typeof value !== 'string' || name === 'only' || name === 'pin') continue;
  if (!/^[1-9]\d*$/.test(value)) usage(`--${name} must be a positive integer: ${value}`);
}
if (!['same', 'split', 'none'].includes(values.pin)) usage(`--pin must be same, split or none`);
if (values.merge && (!values.report || values.only === undefined)) {
  usage('--merge goes with --report and --only: it replaces the cases run in the existing report');
}

const reps = Number(values.reps);
const jsonOut = values.json;
const bulkBytes = Number(values['bulk-bytes']);
const warmBytes = Number(values['warm-bytes']);
const roundTrips = Number(values['round-trips']);
const size = Number(values.size);
const smallMessages = Number(values['small-messages']);
const producers = Number(values.producers);
const connections = Number(values.connections);
const handshakes = Number(values.handshakes);
const queuedSends = Number(values['queued-sends']);
const datagrams = Number(values.datagrams);
const messageCount = Number(values.messages);
const respGets = Number(values['resp-gets']);
const httpSeconds = Number(values['http-seconds']);
const respServerRequests = Number(values['resp-server-requests']);
const fetchRequests = Number(values['fetch-requests']);
/** RESP rounds of `respGets` measured together, after one unmeasured. */
const RESP_ROUNDS = 5;
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const pin = hasTaskset ? values.pin : 'none';
/** Bulk-style cases run their sides on separate cores: one core would measure time slicing. */
const splitPin = pin === 'none' ? 'none' : 'split';

const LABEL: Record<string, string> = {
  raw: "raw net.Socket 'data'",
  'raw-onread': 'raw net.Socket onread',
  'node-iter': "Node's for await",
  'promise-socket': 'promise-socket',
  iter: 'sockflow for await',
  read: 'sockflow read()',
  receive: 'sockflow receive(into)',
  send: 'sockflow send()',
  compat: 'sockflow/compat SAEA',
  byob: 'streams BYOB reader',
  duplex: 'streams toDuplex pipeline',
  sockflow: 'sockflow listen()',
  'concat-framing': 'for await + Buffer.concat',
  node: "node:tls TLSSocket 'data'",
  messages: 'streams messages()',
  'raw-parser': "hand parser in a raw 'data' handler",
  batches: 'streams messageBatches()',
  lines: 'streams lines()',
  'line-batches': 'streams lineBatches()',
  iperf3: 'iperf3, one stream (C, the limit)',
  dotnet: '.NET 10 SocketAsyncEventArgs',
};

type Flat = Record<string, number>;

/** Starts a peer process; `cpu` pins it with taskset. Resolves its port line and its result. */
function peer(
  args: string[],
  cpu: string | undefined,
  nodeFlags: string[] = [],
): { port: Promise<number>; result: Promise<Flat>; signal: (name: NodeJS.Signals) => void } {
  // .NET's SocketAsyncEventArgs (bench/dotnet/SaeaPeer) speaks the same protocol.
  const node =
    args[1] === 'dotnet'
      ? ['dotnet', DOTNET_PEER_DLL, ...args]
      : [process.execPath, ...nodeFlags, PEER, ...args];
  const [cmd, ...argv] = cpu === undefined ? node : ['taskset', '-c', cpu, ...node];
  const child = spawn(cmd as string, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
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
    return m ? (JSON.parse(m[1] as string) as Flat) : {};
  });
  return { port, result, signal: (name) => child.kill(name) };
}

/** The core a side runs on: both on core 0 (`same`), one each (`split`), or unpinned. */
function cpuFor(mode: string, side: 0 | 1): string | undefined {
  if (mode === 'same') return '0';
  if (mode === 'split') return String(side);
  return undefined;
}

/** Listen-queue overflows so far (TcpExt ListenOverflows), when the kernel says. */
function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i++) {
      const names = (lines[i] as string).split(/\s+/);
      if (names[0] !== 'TcpExt:') continue;
      const nums = (lines[i + 1] as string).split(/\s+/);
      const at = names.indexOf('ListenOverflows');
      if (at > 0) return Number(nums[at]);
    }
  } catch {
    // Not Linux, or not readable.
  }
  return Number.NaN;
}

// --- the cases ---------------------------------------------------------------------------------

interface Metric extends MetricInfo {
  of: (r: Flat) => number;
}

interface CaseDef {
  name: string;
  title: string;
  impls: string[];
  run: (impl: string) => Promise<Flat>;
  metrics: Metric[];
  /** Ratios printed per repetition: `[a, b]` on the first metric, `[a, b, key]` on `key`. */
  pairs?: ([string, string] | [string, string, string])[];
  /** Row names that differ from LABEL in this case (raw Node as a sender). */
  labels?: Record<string, string>;
  /** Gets what the case needs (a server to talk to); resolves with why it cannot run, if so. */
  setUp?: () => Promise<string | undefined>;
  tearDown?: () => Promise<void>;
}

const RAW_SENDER = { raw: 'raw net.Socket write()' };

const GiB = 1024 ** 3;
/** How bulk titles say what was measured. */
const bulkWhat = `${(bulkBytes / GiB).toFixed(2)} GiB in 64 KiB writes after ${(warmBytes / 1024 ** 2).toFixed(0)} MiB unmeasured`;

const bulkMetrics = (who: string): Metric[] => [
  {
    key: 'mbs',
    label: 'MB/s',
    digits: 0,
    ratio: true,
    of: (r) => (r.bytes as number) / (r.seconds as number) / 1e6,
  },
  {
    key: 'cpu',
    label: `${who} CPU s/GiB`,
    digits: 2,
    of: (r) =>
      (((r.userSeconds as number) + (r.systemSeconds as number)) / (r.bytes as number)) * GiB,
  },
  {
    key: 'user',
    label: `${who} user s/GiB`,
    digits: 2,
    ratio: true,
    of: (r) => ((r.userSeconds as number) / (r.bytes as number)) * GiB,
  },
  {
    key: 'main',
    label: `${who} main-thread CPU s/GiB`,
    digits: 2,
    ratio: true,
    of: (r) => ((r.mainThreadSeconds as number) / (r.bytes as number)) * GiB,
  },
  { key: 'rss', label: `${who} peak RSS MB`, digits: 0, of: (r) => (r.maxRss as number) / 1e6 },
];

/**
 * One bulk transfer: `sender` pushes the warm-up, then --bulk-bytes, to `receiver`; `acceptor`
 * says which side listens. Checks that every byte arrived; resolves with both sides' results.
 */
async function bulkPair(
  sender: string,
  receiver: string,
  acceptor: 'sender' | 'receiver',
  what: string,
): Promise<{ recv: Flat; send: Flat }> {
  const warm = String(warmBytes);
  const sendArgs = (side: string, port: string): string[] => [
    'bulk-send',
    sender,
    side,
    String(bulkBytes),
    port,
    warm,
  ];
  const recvArgs = (side: string, port: string): string[] => [
    'bulk-recv',
    receiver,
    side,
    port,
    warm,
  ];
  let recv: ReturnType<typeof peer>;
  let send: ReturnType<typeof peer>;
  if (acceptor === 'receiver') {
    recv = peer(recvArgs('accept', '0'), cpuFor(splitPin, 0));
    send = peer(sendArgs('connect', String(await recv.port)), cpuFor(splitPin, 1));
  } else {
    send = peer(sendArgs('accept', '0'), cpuFor(splitPin, 1));
    recv = peer(recvArgs('connect', String(await send.port)), cpuFor(splitPin, 0));
  }
  const [r, s] = await Promise.all([recv.result, send.result]);
  if (r.totalBytes !== bulkBytes + warmBytes) throw new Error(`${what}: bytes do not add up`);
  return { recv: r, send: s };
}

/** The receiver under test, fed by a raw sender; it accepts, or opens the connection. */
async function bulkReceive(impl: string, side: 'accept' | 'connect'): Promise<Flat> {
  if (impl === 'iperf3') return iperf3Bulk();
  const acceptor = side === 'accept' ? 'receiver' : 'sender';
  return (await bulkPair('raw', impl, acceptor, `bulk-${side} ${impl}`)).recv;
}

// The receiver is raw node:net's fastest: onread into one reused buffer. With 'data' (a fresh
// 64 KiB Buffer per read) the receiver itself was the bottleneck in some runs: its page faults
// cost 2.5-3.4 s of system time per GiB and held every sender to ~300 MB/s, so the case
// measured the receiver's mode instead of the sender. onread needs a socket net.connect makes:
// the receiver connects, the sender accepts.
async function bulkSend(impl: string): Promise<Flat> {
  return (await bulkPair(impl, 'raw-onread', 'sender', `bulk-send ${impl}`)).send;
}

async function pingPong(impl: string): Promise<Flat> {
  const server = peer(['echo', impl], cpuFor(pin, 0));
  const port = await server.port;
  const client = peer(
    ['ping', impl, String(port), String(roundTrips), String(size)],
    cpuFor(pin, 1),
  );
  const [, r] = await Promise.all([server.result, client.result]);
  return r;
}

async function small(impl: string): Promise<Flat> {
  const recv = peer(['small-recv'], cpuFor(splitPin, 0));
  const port = await recv.port;
  const send = peer(
    ['small-send', impl, String(port), String(smallMessages), String(producers)],
    cpuFor(splitPin, 1),
  );
  const [r, s] = await Promise.all([recv.result, send.result]);
  if (r.messages !== smallMessages) throw new Error(`small ${impl}: the count does not add up`);
  return { ...s, messages: smallMessages, seconds: r.seconds as number };
}

async function manyConnections(impl: string): Promise<Flat> {
  const overflowsBefore = listenOverflows();
  const server = peer(['conn-server', impl, String(connections)], undefined, ['--expose-gc']);
  const port = await server.port;
  const client = peer(['conn-client', String(port), String(connections), String(size)], undefined);
  const [s, c] = await Promise.all([server.result, client.result]);
  return { ...s, ...c, overflows: listenOverflows() - overflowsBefore };
}

async function sendQueue(impl: string): Promise<Flat> {
  const p = peer(['send-queue', impl, String(queuedSends)], undefined, ['--expose-gc']);
  return p.result;
}

async function udpReceive(impl: string, size: number): Promise<Flat> {
  const recv = peer(['udp-recv', impl, String(datagrams / 4)], cpuFor(splitPin, 0));
  const port = await recv.port;
  const send = peer(
    ['udp-blast', String(port), String(datagrams), String(size), String(datagrams)],
    cpuFor(splitPin, 1),
  );
  const [r] = await Promise.all([recv.result, send.result]);
  return r;
}

async function udpSendCase(impl: string, size: number): Promise<Flat> {
  const sink = peer(['udp-sink'], cpuFor(splitPin, 0));
  const port = await sink.port;
  const send = peer(
    ['udp-send', impl, String(port), String(datagrams), String(size)],
    cpuFor(splitPin, 1),
  );
  const [, s] = await Promise.all([sink.result, send.result]);
  return s;
}

const udpMetrics = (who: string): Metric[] => [
  {
    key: 'rate',
    label: 'datagrams/s',
    digits: 0,
    ratio: true,
    of: (r) => (r.messages as number) / (r.seconds as number),
  },
  {
    key: 'main',
    label: `${who} main-thread CPU µs/datagram`,
    digits: 2,
    ratio: true,
    of: (r) => ((r.mainThreadSeconds as number) / (r.messages as number)) * 1e6,
  },
];

const MESSAGE_CASES = {
  packed: {
    count: () => messageCount,
    size: 100,
    send: 'packed',
    title: 'packed into 64 KiB writes',
  },
  each: { count: () => messageCount / 16, size: 100, send: 'each', title: 'one write per message' },
  large: { count: () => 256, size: 1024 * 1024, send: 'each', title: 'one write per message' },
} as const;

// --- third-party peers from Debian: redis-server, iperf3 --------------------------------------

/**
 * Makes sure `binary` (from Debian's `pkg`) runs here, installing it with apt-get when it is
 * missing and that is possible (root, or sudo without a password); resolves with why not.
 */
function ensureDebianPackage(pkg: string, binary: string): string | undefined {
  if (commandExists(binary)) return undefined;
  const root = process.getuid?.() === 0;
  const apt = (...a: string[]): boolean =>
    spawnSync(root ? 'apt-get' : 'sudo', root ? a : ['-n', 'apt-get', ...a], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (!jsonOut) console.log(`${binary} is missing: installing it (apt-get install ${pkg})`);
  if (apt('update', '-qq') && apt('install', '-y', '-qq', pkg) && commandExists(binary)) {
    return undefined;
  }
  return `${binary} is not installed and apt-get could not install ${pkg}`;
}

/** Builds the .NET peer (Release) into .build/dotnet-peer; resolves with why it could not. */
function buildDotnetPeer(): string | undefined {
  if (!commandRuns('dotnet', ['--version'])) return 'dotnet (the .NET SDK) is not installed';
  if (!existsSync(DOTNET_PEER_PROJECT)) {
    return `the .NET peer's sources are not here (${DOTNET_PEER_PROJECT}; a repository checkout has them)`;
  }
  const r = spawnSync(
    'dotnet',
    ['build', DOTNET_PEER_PROJECT, '-c', 'Release', '-o', DOTNET_PEER_OUT, '--nologo', '-v', 'q'],
    {
      encoding: 'utf8',
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
    },
  );
  return r.status === 0 ? undefined : `the .NET peer did not build: ${r.stdout.slice(-300)}`;
}

/** A TCP port nothing listens on now. */
async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

/**
 * iperf3's one-stream loopback throughput: the same --bulk-bytes, its server receiving on the
 * receiver's core and its client sending on the other, in C with no runtime: the machine's
 * limit for a receiver, which the bulk cases print sockflow's receive(into) against. Its CPU
 * is the server's as iperf3 reports it (user and system); it has no main-thread figure.
 */
async function iperf3Bulk(): Promise<Flat> {
  const port = await freePort();
  const pinned = (side: 0 | 1, args: string[]): [string, string[]] => {
    const cpu = cpuFor(splitPin, side);
    return cpu === undefined ? ['iperf3', args] : ['taskset', ['-c', cpu, 'iperf3', ...args]];
  };
  const [scmd, sargs] = pinned(0, ['-s', '-1', '--forceflush', '-p', String(port)]);
  const server = spawn(scmd, sargs, { stdio: ['ignore', 'pipe', 'ignore'] });
  const serverExit = once(server, 'exit');
  let banner = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('iperf3 -s did not start listening')), 5_000);
    server.stdout.on('data', (d: Buffer) => {
      banner += d.toString();
      if (banner.includes('Server listening')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const [ccmd, cargs] = pinned(1, [
    '-c',
    '127.0.0.1',
    '-p',
    String(port),
    '-n',
    String(bulkBytes),
    '-J',
  ]);
  const client = spawnSync(ccmd, cargs, { encoding: 'utf8', maxBuffer: 16 << 20 });
  await serverExit;
  if (client.status !== 0) throw new Error(`iperf3 -c failed: ${client.stderr}`);
  const r = JSON.parse(client.stdout) as {
    end: {
      sum_received: { bytes: number; seconds: number };
      cpu_utilization_percent: { remote_user: number; remote_system: number };
    };
  };
  const { bytes, seconds } = r.end.sum_received;
  const cpu = r.end.cpu_utilization_percent;
  return {
    bytes,
    seconds,
    userSeconds: (cpu.remote_user / 100) * seconds,
    systemSeconds: (cpu.remote_system / 100) * seconds,
    mainThreadSeconds: Number.NaN,
    maxRss: Number.NaN,
  };
}

// --- RESP against a real redis-server -------------------------------------------------------

let redis: { port: number; child: ReturnType<typeof spawn> } | undefined;

/** Whether a command runs here. */
const commandRuns = (cmd: string, args: string[]): boolean => spawnSync(cmd, args).status === 0;
/** The command can be started (wrk --version exits with 1). */
const commandExists = (cmd: string): boolean => spawnSync(cmd, ['--version']).error === undefined;

/**
 * Starts redis-server (Debian's package, installed with apt-get when missing and possible) on
 * a free port, pinned to its own core; resolves with why it could not, if so.
 */
async function startRedis(): Promise<string | undefined> {
  const missing = ensureDebianPackage('redis-server', 'redis-server');
  if (missing !== undefined) return missing;
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const cpu = cpuFor(splitPin, 1);
  const [cmd, ...argv] =
    cpu === undefined ? ['redis-server', ...args] : ['taskset', '-c', cpu, 'redis-server', ...args];
  const child = spawn(cmd, argv, { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) {
      redis = { port, child };
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  return 'redis-server did not start listening within 5 s';
}

async function stopRedis(): Promise<void> {
  if (redis === undefined) return;
  const exited = once(redis.child, 'exit');
  redis.child.kill();
  await exited;
  redis = undefined;
}

/** `respGets` pipelined GETs through the client under test, against redis-server. */
async function resp(impl: string): Promise<Flat> {
  const port = (redis as { port: number }).port;
  const client = peer(
    ['resp-client', impl, String(port), String(respGets), String(RESP_ROUNDS)],
    cpuFor(splitPin, 0),
  );
  const r = await client.result;
  if (r.messages !== respGets * RESP_ROUNDS) {
    throw new Error(`resp ${impl}: the count does not add up`);
  }
  return r;
}

/** The fetch case's HTTP server: node:http, keep-alive, on core 0 (bench/peers/http.ts). */
let fetchServer: ReturnType<typeof peer> | undefined;
let fetchPort = 0;

async function startFetchServer(): Promise<string | undefined> {
  if (!hasTaskset) return 'the fetch case pins with taskset (Linux only)';
  const undici = await import('undici').then(
    () => true,
    () => false,
  );
  if (!undici) return 'undici is not installed (a development dependency of sockflow)';
  fetchServer = peer(['http-server', 'node-http'], '0');
  fetchPort = await fetchServer.port;
  return undefined;
}

async function stopFetchServer(): Promise<void> {
  fetchServer?.signal('SIGTERM');
  await fetchServer?.result;
  fetchServer = undefined;
}

/** `fetchRequests` fetch calls through `impl`'s connections, 50 in flight, on core 1. */
async function fetchLoad(impl: string): Promise<Flat> {
  const r = await peer(['fetch-client', impl, String(fetchPort), String(fetchRequests)], '1')
    .result;
  if (r.messages !== fetchRequests) throw new Error(`fetch ${impl}: the count does not add up`);
  return r;
}

/** wrk's Lua script for `depth` requests per write (it then counts responses). */
function pipelineScript(depth: number): string {
  const path = join(tmpdir(), `sockflow-bench-pipeline-${depth}.lua`);
  writeFileSync(
    path,
    [
      'init = function(args)',
      '  local r = {}',
      `  for i = 1, ${depth} do r[i] = wrk.format(nil, "/") end`,
      '  req = table.concat(r)',
      'end',
      'request = function() return req end',
      '',
    ].join('\n'),
  );
  return path;
}

/** Runs wrk against the local server: responses per second. */
async function wrk(port: number, seconds: number, depth: number): Promise<number> {
  const args = ['-t1', '-c50', `-d${seconds}s`];
  if (depth > 1) args.push('-s', pipelineScript(depth));
  args.push(`http://127.0.0.1:${port}/`);
  const child = spawn('taskset', ['-c', '1', 'wrk', ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number];
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (code !== 0 || m === null) throw new Error(`wrk failed (exit ${code}): ${out}`);
  return Number(m[1]);
}

/** One server under wrk: 1 s unmeasured, then --http-seconds measured on both sides. */
async function httpLoad(impl: string, depth: number): Promise<Flat> {
  const server = peer(['http-server', impl], '0');
  const port = await server.port;
  await wrk(port, 1, depth);
  server.signal('SIGUSR2');
  const rate = await wrk(port, httpSeconds, depth);
  server.signal('SIGTERM');
  const r = await server.result;
  return { ...r, rate };
}

/** redis-benchmark against a local server: GET and SET requests per second. */
async function redisBenchmark(port: number, n: number): Promise<{ get: number; set: number }> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-n', String(n)];
  args.push('-P', '16', '-c', '50', '-q', '--csv');
  const child = spawn('taskset', ['-c', '1', 'redis-benchmark', ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number];
  const rate = (test: string): number => Number(new RegExp(`"${test}","([\\d.]+)"`).exec(out)?.[1]);
  const r = { get: rate('GET'), set: rate('SET') };
  if (code !== 0 || !(r.get > 0 && r.set > 0)) throw new Error(`redis-benchmark failed: ${out}`);
  return r;
}

/** One RESP server under redis-benchmark -P 16: a short unmeasured run, then the measured. */
async function respLoad(impl: string): Promise<Flat> {
  if (impl === 'redis') {
    const port = await freePort();
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    const child = spawn('taskset', ['-c', '0', 'redis-server', ...args], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await canConnect(port)); i++) await delay(50);
      await redisBenchmark(port, 20_000);
      const r = await redisBenchmark(port, respServerRequests);
      return { ...r, mainThreadSeconds: NaN, messages: 2 * respServerRequests };
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  }
  const server = peer(['resp-server', impl], '0');
  const port = await server.port;
  await redisBenchmark(port, 20_000);
  server.signal('SIGUSR2');
  const r = await redisBenchmark(port, respServerRequests);
  server.signal('SIGTERM');
  const cpu = await server.result;
  return { ...cpu, ...r, messages: 2 * respServerRequests };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const respServerUp = (): Promise<string | undefined> =>
  Promise.resolve(
    process.platform !== 'linux'
      ? 'the servers section pins with taskset (Linux only)'
      : (ensureDebianPackage('redis-server', 'redis-server') ??
          ensureDebianPackage('redis-tools', 'redis-benchmark')),
  );

/** The servers section's CPU column: the server's main thread over the measured window. */
const serverCpu: Metric = {
  key: 'main',
  label: 'server main-thread CPU µs/request (exact)',
  digits: 2,
  ratio: true,
  of: (r) => ((r.mainThreadSeconds as number) / (r.messages as number)) * 1e6,
};

const httpUp = (): Promise<string | undefined> =>
  Promise.resolve(
    process.platform !== 'linux'
      ? 'the servers section pins with taskset (Linux only)'
      : ensureDebianPackage('wrk', 'wrk'),
  );

/** 100-byte lines (the newline included) packed into 64 KiB writes, read as lines. */
async function textLines(impl: string): Promise<Flat> {
  const recv = peer(['line-recv', impl], cpuFor(splitPin, 0));
  const port = await recv.port;
  const send = peer(
    ['msg-send', String(port), String(messageCount), '100', 'lines'],
    cpuFor(splitPin, 1),
  );
  const [r] = await Promise.all([recv.result, send.result]);
  if (r.messages !== messageCount) throw new Error(`lines ${impl}: the count does not add up`);
  return r;
}

async function framed(impl: string, which: keyof typeof MESSAGE_CASES): Promise<Flat> {
  const c = MESSAGE_CASES[which];
  const recv = peer(['msg-recv', impl], cpuFor(splitPin, 0));
  const port = await recv.port;
  const count = c.count();
  const send = peer(
    ['msg-send', String(port), String(count), String(c.size), c.send],
    cpuFor(splitPin, 1),
  );
  const [r] = await Promise.all([recv.result, send.result]);
  if (r.messages !== count) throw new Error(`messages ${impl}: the count does not add up`);
  return r;
}

/** Round trips per second and the client's user CPU per round trip. */
const pingPongMetrics: Metric[] = [
  {
    key: 'rts',
    label: 'round trips/s',
    digits: 0,
    ratio: true,
    of: (r) => (r.roundTrips as number) / (r.seconds as number),
  },
  {
    key: 'user',
    label: 'client user µs/round trip',
    digits: 2,
    of: (r) => ((r.userSeconds as number) / (r.roundTrips as number)) * 1e6,
  },
  {
    key: 'main',
    label: 'client main-thread CPU µs/round trip (exact)',
    digits: 2,
    ratio: true,
    of: (r) => ((r.mainThreadSeconds as number) / (r.roundTrips as number)) * 1e6,
  },
];

/** Messages per second and CPU per message of `who` (the side the result comes from). */
const perMessage = (who: string): Metric[] => [
  {
    key: 'rate',
    label: 'messages/s',
    digits: 0,
    ratio: true,
    of: (r) => (r.messages as number) / (r.seconds as number),
  },
  {
    key: 'cpu',
    label: `${who} CPU µs/message`,
    digits: 2,
    ratio: true,
    of: (r) =>
      (((r.userSeconds as number) + (r.systemSeconds as number)) / (r.messages as number)) * 1e6,
  },
  {
    key: 'main',
    label: `${who} main-thread CPU µs/message (exact)`,
    digits: 3,
    ratio: true,
    of: (r) => ((r.mainThreadSeconds as number) / (r.messages as number)) * 1e6,
  },
];

// --- TLS: sockflow against node:tls in the same run ---------------------------------------------

function withTls<T>(run: () => Promise<T>): Promise<T> {
  ensureBenchTlsDir();
  return run();
}

/** TLS bulk receive: a node:tls server sends; the receiver under test connects. */
async function tlsBulk(impl: string): Promise<Flat> {
  return withTls(async () => {
    const send = peer(['tls-bulk-send', String(warmBytes), String(bulkBytes)], cpuFor(splitPin, 1));
    const recv = peer(
      ['tls-bulk-recv', impl, String(await send.port), String(warmBytes)],
      cpuFor(splitPin, 0),
    );
    const [r] = await Promise.all([recv.result, send.result]);
    if (r.totalBytes !== bulkBytes + warmBytes)
      throw new Error(`tls-bulk ${impl}: bytes do not add up`);
    return r;
  });
}

async function tlsPingPong(impl: string): Promise<Flat> {
  return withTls(async () => {
    const server = peer(['tls-echo', impl], cpuFor(pin, 0));
    const client = peer(
      ['tls-ping', impl, String(await server.port), String(roundTrips), String(size)],
      cpuFor(pin, 1),
    );
    const [, r] = await Promise.all([server.result, client.result]);
    return r;
  });
}

/**
 * New TLS connections per second: client and server in separate processes, 4 at a time. The
 * client is the busier side; bench/hs-ab.ts compares the two clients' CPU interleaved in one
 * process, free of the drift between runs.
 */
async function tlsHandshakes(impl: string): Promise<Flat> {
  return withTls(async () => {
    const server = peer(
      ['tls-hs-server', impl === 'node-ctx' ? 'node' : impl, String(handshakes + HANDSHAKE_WARMUP)],
      cpuFor(splitPin, 0),
    );
    const client = peer(
      ['tls-hs-client', impl, String(await server.port), String(handshakes), '4'],
      cpuFor(splitPin, 1),
    );
    const [, r] = await Promise.all([server.result, client.result]);
    return r;
  });
}

const CASES: CaseDef[] = [
  {
    name: 'bulk-accept',
    title: `Bulk receive, ${bulkWhat}, on a connection the receiver accepted (pin ${splitPin})`,
    impls: [
      'raw',
      'node-iter',
      'promise-socket',
      'iter',
      'read',
      'receive',
      'compat',
      'byob',
      'duplex',
      'dotnet',
      'iperf3',
    ],
    run: (impl) => bulkReceive(impl, 'accept'),
    metrics: bulkMetrics('receiver'),
    pairs: [
      ['compat', 'receive'],
      ['receive', 'iperf3'],
      ['compat', 'dotnet'],
      ['receive', 'dotnet'],
    ],
  },
  {
    name: 'bulk-connect',
    title: `Bulk receive, ${bulkWhat}, on a connection the receiver opened (pin ${splitPin})`,
    impls: ['raw', 'raw-onread', 'iter', 'read', 'receive', 'compat', 'dotnet', 'iperf3'],
    run: (impl) => bulkReceive(impl, 'connect'),
    metrics: bulkMetrics('receiver'),
    pairs: [
      ['receive', 'raw-onread', 'main'],
      ['compat', 'raw-onread', 'main'],
      ['receive', 'iperf3'],
      ['receive', 'dotnet'],
      ['compat', 'dotnet'],
    ],
  },
  {
    name: 'bulk-send',
    title: `Bulk send, ${bulkWhat}, each send awaited; a raw onread receiver (pin ${splitPin})`,
    impls: ['raw', 'promise-socket', 'send'],
    labels: RAW_SENDER,
    run: bulkSend,
    metrics: bulkMetrics('sender'),
  },
  {
    name: 'ping-pong',
    title: `Ping-pong, ${roundTrips} round trips of ${size} B, both sides the same implementation (pin ${pin})`,
    impls: [
      'raw',
      'raw-onread',
      'node-iter',
      'promise-socket',
      'iter',
      'read',
      'receive',
      'compat',
      'dotnet',
    ],
    run: pingPong,
    metrics: pingPongMetrics,
    pairs: [
      ['compat', 'receive'],
      ['compat', 'dotnet'],
      ['receive', 'dotnet'],
    ],
  },
  {
    name: 'small',
    title: `Small messages, ${smallMessages} of 100 B from ${producers} concurrent producers on one connection (pin ${splitPin})`,
    impls: ['raw', 'send'],
    labels: RAW_SENDER,
    run: small,
    metrics: perMessage('sender'),
  },
  {
    name: 'connections',
    title: `${connections} concurrent connections, one echo each, the server's default backlog (unpinned)`,
    impls: ['raw', 'floor', 'sockflow'],
    labels: {
      floor: 'floor: accepted handles only kept (echo, memory: n/a)',
    },
    pairs: [['sockflow', 'floor']],
    run: manyConnections,
    metrics: [
      { key: 'connect', label: 'connect all s', digits: 2, of: (r) => r.connectSeconds as number },
      { key: 'echo', label: 'echo all s', digits: 2, of: (r) => r.echoSeconds as number },
      {
        key: 'heap',
        label: 'heap B/connection',
        digits: 0,
        of: (r) => r.heapPerConnection as number,
      },
      { key: 'rss', label: 'RSS B/connection', digits: 0, of: (r) => r.rssPerConnection as number },
      { key: 'overflows', label: 'listen overflows', digits: 0, of: (r) => r.overflows as number },
    ],
  },
  {
    name: 'send-queue',
    title: `${queuedSends} unawaited sends of one shared 1 KiB buffer to a peer that never reads (unpinned)`,
    impls: ['raw', 'sockflow', 'sockflow-signal'],
    labels: {
      raw: 'raw net.Socket write()',
      sockflow: 'sockflow send()',
      'sockflow-signal': 'sockflow send({ signal }), one signal for all',
    },
    run: sendQueue,
    metrics: [
      {
        key: 'heap',
        label: 'heap B/waiting send',
        digits: 0,
        ratio: true,
        of: (r) => r.heapPerSend as number,
      },
    ],
  },
  ...[64, 1400].map((size): CaseDef => ({
    name: `udp-recv-${size}`,
    title: `UDP receive, ${datagrams} datagrams of ${size} B from a raw dgram sender (pin ${splitPin})`,
    impls: ['raw', 'receive', 'iter', 'compat'],
    labels: {
      raw: "raw dgram 'message'",
      receive: 'sockflow receive(into)',
      iter: 'sockflow for await',
      compat: 'compat receiveFromAsync',
    },
    run: (impl) => udpReceive(impl, size),
    metrics: udpMetrics('receiver'),
  })),
  ...[64, 1400].map((size): CaseDef => ({
    name: `udp-send-${size}`,
    title: `UDP send, ${datagrams} datagrams of ${size} B to a raw dgram receiver (pin ${splitPin})`,
    impls: ['raw', 'send64', 'send', 'compat'],
    labels: {
      raw: 'raw dgram send(), 64 in flight',
      send64: 'sockflow send(), 64 in flight',
      send: 'sockflow await send() one at a time',
      compat: 'compat sendToAsync',
    },
    run: (impl) => udpSendCase(impl, size),
    metrics: udpMetrics('sender'),
  })),
  {
    name: 'tls-bulk',
    title: `TLS bulk receive, ${bulkWhat}, from a node:tls sender; the receiver connects (pin ${splitPin})`,
    impls: ['node', 'iter', 'receive'],
    run: tlsBulk,
    metrics: bulkMetrics('receiver'),
  },
  {
    name: 'tls-ping-pong',
    title: `TLS ping-pong, ${roundTrips} round trips of ${size} B, both sides the same implementation (pin ${pin})`,
    impls: ['node', 'receive'],
    run: tlsPingPong,
    metrics: pingPongMetrics,
  },
  {
    name: 'tls-handshakes',
    title: `TLS handshakes, ${handshakes} new connections 4 at a time, client and server in separate processes (pin ${splitPin})`,
    impls: ['node', 'node-ctx', 'sockflow'],
    labels: {
      node: 'node:tls connect + createServer',
      'node-ctx': 'node:tls, one secureContext shared (hand-tuned)',
      sockflow: 'sockflow connect + listen',
    },
    run: tlsHandshakes,
    metrics: [
      {
        key: 'rate',
        label: 'handshakes/s',
        digits: 0,
        ratio: true,
        of: (r) => (r.messages as number) / (r.seconds as number),
      },
      {
        key: 'cpu',
        label: 'client CPU µs/handshake',
        digits: 0,
        ratio: true,
        of: (r) =>
          (((r.userSeconds as number) + (r.systemSeconds as number)) / (r.messages as number)) *
          1e6,
      },
    ],
  },
  ...(Object.keys(MESSAGE_CASES) as (keyof typeof MESSAGE_CASES)[]).map((which): CaseDef => {
    const c = MESSAGE_CASES[which];
    const size = c.size >= 1024 * 1024 ? `${c.size / 1024 / 1024} MiB` : `${c.size} B`;
    return {
      name: `messages-${which}`,
      title: `Messages, ${c.count()} of ${size} with a u32be header, ${c.title} (pin ${splitPin})`,
      impls: ['concat-framing', 'raw-parser', 'messages', 'batches'],
      pairs: [
        ['batches', 'raw-parser'],
        ['messages', 'raw-parser'],
      ],
      run: (impl) => framed(impl, which),
      metrics: perMessage('receiver'),
    };
  }),
  {
    name: 'resp',
    title: `RESP: ${RESP_ROUNDS} rounds of ${respGets} pipelined GETs of a 100 B value from redis-server, after one unmeasured; the client on its own core (pin ${splitPin})`,
    impls: ['raw', 'streams', 'ioredis'],
    labels: {
      raw: "node:net, hand parser in the 'data' handler",
      streams: 'sockflow streams: tryReadUntil/tryReadExactly, async fallback',
      ioredis: 'ioredis pipeline()',
    },
    pairs: [['streams', 'ioredis']],
    setUp: startRedis,
    tearDown: stopRedis,
    run: resp,
    metrics: [
      {
        key: 'rate',
        label: 'GETs/s',
        digits: 0,
        ratio: true,
        of: (r) => (r.messages as number) / (r.seconds as number),
      },
      {
        key: 'cold',
        label: 'first round GETs/s (cold: the JIT compiling)',
        digits: 0,
        ratio: true,
        of: (r) => r.coldRate as number,
      },
      {
        key: 'main',
        label: 'client main-thread CPU µs/GET (exact)',
        digits: 2,
        ratio: true,
        of: (r) => ((r.mainThreadSeconds as number) / (r.messages as number)) * 1e6,
      },
    ],
  },
  {
    name: 'fetch',
    title: `fetch() through undici, ${fetchRequests} requests, 50 in flight, to a node:http keep-alive server (server on core 0, client on core 1)`,
    impls: ['undici', 'sockflow'],
    labels: {
      undici: "undici's own connector (net.connect)",
      sockflow: "sockflow connections through the Agent's connect hook (toDuplex)",
    },
    setUp: startFetchServer,
    tearDown: stopFetchServer,
    run: fetchLoad,
    metrics: [
      {
        key: 'rate',
        label: 'requests/s',
        digits: 0,
        ratio: true,
        of: (r) => (r.messages as number) / (r.seconds as number),
      },
      {
        key: 'main',
        label: 'client main-thread CPU µs/request (exact)',
        digits: 2,
        ratio: true,
        of: (r) => ((r.mainThreadSeconds as number) / (r.messages as number)) * 1e6,
      },
    ],
  },
  {
    name: 'lines-packed',
    title: `Lines, ${messageCount} of 100 B (newline included) packed into 64 KiB writes (pin ${splitPin})`,
    impls: ['readline', 'raw-split', 'lines', 'line-batches'],
    labels: {
      readline: "node:readline 'line' events over the socket",
      'raw-split': "node:net, hand-written splitter in the 'data' handler",
    },
    pairs: [['line-batches', 'raw-split']],
    run: textLines,
    metrics: perMessage('receiver'),
  },
  ...[1, 16].map((depth): CaseDef => ({
    name: `http-${depth}`,
    title:
      depth === 1
        ? `HTTP/1.1 server under wrk, 50 connections, one request at a time (${httpSeconds} s; server on core 0, wrk on core 1)`
        : `HTTP/1.1 server under wrk, 50 connections, ${depth} requests pipelined per write (${httpSeconds} s; server on core 0, wrk on core 1)`,
    impls: ['raw', 'raw-each', 'raw-awaits', 'node-http', 'core', 'streams', 'compat'],
    labels: {
      raw: "node:net, one write for a 'data' chunk's answers",
      'raw-each': 'node:net, one write() per response',
      'raw-awaits': "node:net batched, each request through two awaited promises (streams' floor)",
      'node-http': 'node:http',
      core: 'sockflow core: receive(into), the same parser, one send() per chunk',
      streams: 'sockflow streams, the natural loop: readUntil(), send()',
      compat: 'sockflow compat: receiveAsync/sendAsync, .NET style',
    },
    setUp: httpUp,
    run: (impl) => httpLoad(impl, depth),
    metrics: [
      { key: 'rate', label: 'requests/s', digits: 0, ratio: true, of: (r) => r.rate as number },
      serverCpu,
    ],
  })),
  {
    name: 'resp-server',
    title: `RESP server under redis-benchmark -P 16, 50 connections, ${respServerRequests} SETs then as many GETs of 3 B values (server on core 0, redis-benchmark on core 1)`,
    impls: ['raw', 'streams', 'redis'],
    labels: {
      raw: "node:net, hand parser in the 'data' handler, one write per chunk",
      streams: 'sockflow streams: examples/resp-server.ts',
      redis: 'redis-server',
    },
    pairs: [['streams', 'redis']],
    setUp: respServerUp,
    run: respLoad,
    metrics: [
      { key: 'get', label: 'GETs/s', digits: 0, ratio: true, of: (r) => r.get as number },
      { key: 'set', label: 'SETs/s', digits: 0, ratio: true, of: (r) => r.set as number },
      serverCpu,
    ],
  },
];

// --- running and printing ------------------------------------------------------------------------

if (values.help) {
  console.log(help(CASES.map((c) => c.name)));
  process.exit(0);
}
const wanted = values.only?.split(',');
const picks = (def: CaseDef, w: string) => def.name === w || def.name.startsWith(`${w}-`);
for (const w of wanted ?? []) {
  if (!CASES.some((def) => picks(def, w))) usage(`no such case: ${w}`);
}
// promise-socket is a development dependency: an installed sockflow runs without it.
const withPromiseSocket = await hasPromiseSocket();
const chosen = CASES.filter((def) => wanted?.some((w) => picks(def, w)) ?? true);
// iperf3 (Debian's) is the bulk cases' physical limit: installed when missing if possible.
const iperf3Missing = chosen.some((def) => def.impls.includes('iperf3'))
  ? ensureDebianPackage('iperf3', 'iperf3')
  : undefined;
// .NET's own SocketAsyncEventArgs: built with the machine's SDK when a chosen case has it.
const dotnetMissing = chosen.some((def) => def.impls.includes('dotnet'))
  ? buildDotnetPeer()
  : undefined;
const selected = chosen.map((def) => {
  const drop = new Set<string>();
  if (!withPromiseSocket) drop.add('promise-socket');
  if (iperf3Missing !== undefined) drop.add('iperf3');
  if (dotnetMissing !== undefined) drop.add('dotnet');
  return drop.size === 0
    ? def
    : {
        ...def,
        impls: def.impls.filter((i) => !drop.has(i)),
        pairs: (def.pairs ?? []).filter(([a, b]) => !drop.has(a) && !drop.has(b)),
      };
});
const progress = new Progress(process.stderr, { quiet: jsonOut });

async function runCase(def: CaseDef): Promise<CaseResult> {
  const res: CaseResult = {
    name: def.name,
    title: def.title,
    impls: def.impls,
    labels: Object.fromEntries(def.impls.map((i) => [i, def.labels?.[i] ?? LABEL[i] ?? i])),
    metrics: def.metrics.map(({ key, label, digits, ratio }) =>
      ratio === undefined ? { key, label, digits } : { key, label, digits, ratio },
    ),
    values: {},
    ratios: {},
    pairs: (def.pairs ?? []).map(([a, b, key]) =>
      key === undefined ? { a, b, ratios: [] } : { a, b, key, ratios: [] },
    ),
  };
  for (const impl of def.impls) {
    res.values[impl] = Object.fromEntries(def.metrics.map((m) => [m.key, []]));
    res.ratios[impl] = Object.fromEntries(
      def.metrics.filter((m) => m.ratio).map((m) => [m.key, []]),
    );
  }
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each repetition so no implementation always runs first or last.
    const order = def.impls.map((_, i) => def.impls[(i + rep) % def.impls.length] as string);
    const round: Record<string, Flat> = {};
    for (const impl of order) {
      const r = await def.run(impl);
      progress.step(`${def.name} ${rep + 1}/${reps}: ${def.labels?.[impl] ?? LABEL[impl] ?? impl}`);
      round[impl] = Object.fromEntries(def.metrics.map((m) => [m.key, m.of(r)]));
      for (const m of def.metrics) res.values[impl]?.[m.key]?.push(round[impl][m.key] as number);
    }
    const base = round[def.impls[0] as string] as Flat;
    for (const impl of def.impls) {
      for (const m of def.metrics) {
        if (m.ratio)
          res.ratios[impl]?.[m.key]?.push(
            (round[impl]?.[m.key] as number) / (base[m.key] as number),
          );
      }
    }
    const primary = def.metrics[0] as Metric;
    for (const p of res.pairs) {
      const key = p.key ?? primary.key;
      p.ratios.push((round[p.a]?.[key] as number) / (round[p.b]?.[key] as number));
    }
  }
  return res;
}

function printCase(res: CaseResult): void {
  console.log(`\n${res.title}`);
  // Each column as wide as its widest cell, plus two spaces.
  const head = ['implementation'];
  for (const m of res.metrics) {
    head.push(`${m.label} median [min–max]`);
    if (m.ratio) head.push('ratio to the first');
  }
  const table = [head];
  for (const impl of res.impls) {
    const row = [res.labels[impl] ?? impl];
    for (const m of res.metrics) {
      row.push(range(res.values[impl]?.[m.key] ?? [], m.digits));
      if (m.ratio) row.push(range(res.ratios[impl]?.[m.key] ?? [], 2, '×'));
    }
    table.push(row);
  }
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i]?.length ?? 0)));
  for (const row of table) {
    console.log(
      row
        .map((cell, i) => cell.padEnd((widths[i] ?? 0) + 2))
        .join('')
        .trimEnd(),
    );
  }
  for (const p of res.pairs) console.log(`  ${pairLine(res, p)}`);
}

async function runAll(): Promise<BenchRun> {
  const run: BenchRun = {
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / GiB),
      pin,
    },
    reps,
    date: new Date().toISOString(),
    cases: [],
  };
  if (!jsonOut) {
    console.log(
      `sockflow bench: node ${run.machine.node}, ${run.machine.cpus} × ${run.machine.cpu}, ${reps} repetitions`,
    );
    if (!withPromiseSocket) console.log('promise-socket is not installed: its rows are left out');
    if (iperf3Missing !== undefined) console.log(`${iperf3Missing}: its rows are left out`);
    if (dotnetMissing !== undefined) console.log(`${dotnetMissing}: the .NET rows are left out`);
  }
  for (const def of selected) progress.plan(def.impls.length * reps);
  for (const def of selected) {
    const skipped = def.setUp === undefined ? undefined : await def.setUp();
    if (skipped !== undefined) {
      progress.clear();
      console.log(`\n${def.title}\n  skipped: ${skipped}`);
      continue;
    }
    try {
      const res = await runCase(def);
      run.cases.push(res);
      progress.clear();
      if (!jsonOut) printCase(res);
    } finally {
      await def.tearDown?.();
    }
  }
  return run;
}

/** This script again under Node 24 (from the npm registry), with the same options, as JSON. */
async function runUnderNode24(): Promise<BenchRun | undefined> {
  const args = process.argv
    .slice(2)
    .filter((a) => a !== '--report' && a !== '--json' && a !== '--merge');
  const child = spawn('npx', ['-y', 'node@24', SELF, ...args, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) {
    console.error(`Node 24 run failed (exit ${code}); the report covers ${process.version} only`);
    return undefined;
  }
  return JSON.parse(out) as BenchRun;
}

const runs: BenchRun[] = [await runAll()];
if (values.report) {
  if (!process.version.startsWith('v24.')) {
    if (!jsonOut) console.log('\nRunning the suite again under Node 24 for the report…');
    const other = await runUnderNode24();
    if (other !== undefined) runs.push(other);
  }
  if (values.merge) {
    const path = join(process.cwd(), 'docs', 'performance.json');
    const before = JSON.parse(readFileSync(path, 'utf8')) as BenchRun[];
    runs.splice(0, runs.length, ...mergeRuns(before, runs));
  }
  const markdown = renderReport(runs);
  const svg = await renderChart(runs);
  // Into the current directory's docs/ (the repository's, under `npm run bench`).
  const docs = join(process.cwd(), 'docs');
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(docs, 'performance.md'), markdown);
  writeFileSync(join(docs, 'performance.json'), `${JSON.stringify(runs, null, 2)}\n`);
  if (svg !== undefined) writeFileSync(join(docs, 'performance.svg'), svg);
  if (!jsonOut) {
    console.log('\nWrote docs/performance.md, .json (the raw results) and .svg (the chart)');
    if (svg === undefined)
      console.log('(no chart: Vega is not installed; npm install vega vega-lite)');
  }
}
if (jsonOut) console.log(JSON.stringify(runs[0], null, 2));
