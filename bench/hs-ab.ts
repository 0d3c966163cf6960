// Client CPU per TLS handshake, sockflow against node:tls (as written plainly, and hand-tuned
// with one secure context shared by every connection), interleaved in one process.
//
//   npm run build && node dist/bench/hs-ab.js [rounds] [per-round]
//
// The `tls-handshakes` case of bench/run.ts measures each client in its own process, so the
// machine's drift between two runs (often ±10 % here) lands in the ratio. This tool runs the
// clients in one process against one node:tls handshake server (the `tls-hs-server` peer, on
// core 0; the clients on core 1), warms both up, then alternates rounds of `per-round`
// handshakes (4 at a time) between them, swapping which goes first each round, and adds up the
// main thread's exact CPU (`/proc/self/task/*/schedstat`) per client. Drift then hits both
// alike: the same client against itself reads 1.00 ± 0.02. It prints sockflow's CPU per
// handshake over each node:tls client's: a diagnostic for the handshake target, not one of the
// targets. Against the hand-tuned one it shows what sockflow's own per-connection work costs.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { mainThreadCpu } from './peers/common.js';
import { ensureBenchTlsDir, handshakes } from './peers/tls.js';

const rounds = Number(process.argv[2] ?? 20);
const perRound = Number(process.argv[3] ?? 200);
const WARMUP = 1000;
const IMPLS = ['node', 'node-ctx', 'sockflow'] as const;

ensureBenchTlsDir();
const pinned = spawnSync('taskset', ['--version']).status === 0;
if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
const total = IMPLS.length * (WARMUP + rounds * perRound);
const peer = [
  process.execPath,
  fileURLToPath(new URL('./peer.js', import.meta.url)),
  'tls-hs-server',
  'node',
  String(total),
];
const [cmd, ...args] = pinned ? ['taskset', '-c', '0', ...peer] : peer;
const server = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(server.stdout, 'data')) as [Buffer];
const port = Number(/PORT (\d+)/.exec(line.toString())?.[1]);

for (const impl of IMPLS) await handshakes(impl, port, WARMUP, 4);
const cpu = { node: 0, 'node-ctx': 0, sockflow: 0 };
for (let r = 0; r < rounds; r++) {
  for (const impl of r % 2 === 0 ? IMPLS : [...IMPLS].reverse()) {
    const start = mainThreadCpu();
    await handshakes(impl, port, perRound, 4);
    cpu[impl] += mainThreadCpu() - start;
  }
}
await once(server, 'close');
const per = (s: number): string => ((s / (rounds * perRound)) * 1e6).toFixed(0);
console.log(
  `main-thread CPU per handshake (${rounds} rounds of ${perRound}, interleaved): ` +
    `node:tls ${per(cpu.node)} µs, node:tls with one shared context ${per(cpu['node-ctx'])} µs, ` +
    `sockflow ${per(cpu.sockflow)} µs; sockflow over node:tls ` +
    `${(cpu.sockflow / cpu.node).toFixed(3)}, over the shared-context node:tls ` +
    `${(cpu.sockflow / cpu['node-ctx']).toFixed(3)}`,
);
