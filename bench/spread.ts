// How evenly each way of serving one port from several processes (or threads) spreads
// connections, for docs/scaling.md: 10,000 connections (100 at a time) to 2 servers, each a
// sockflow listener answering a connection with its id. Prints a Markdown table.
//
//   node dist/bench/spread.js [connections]
//
// Methods, each where this runtime has it (a row says why not otherwise):
//   reusePort       2 processes, each listen(on, { reusePort: true }) (Node 22.12+, 23.1+)
//   cluster RR      node:cluster's default on Linux: the primary accepts and hands each
//                   connection to a worker in turn
//   cluster none    node:cluster with SCHED_NONE: both workers accept from one shared socket
//   threads         2 worker threads, each with its own reusePort listener
import cluster from 'node:cluster';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { listen, type Connection } from 'sockflow';

const SELF = fileURLToPath(import.meta.url);
const SERVERS = 2;

/** A server: answers each connection with `id` and closes it. */
async function server(id: string, port: number, reusePort: boolean): Promise<number> {
  const listener = await listen({ host: '127.0.0.1', port }, reusePort ? { reusePort } : {});
  void (async () => {
    for await (const conn of listener) void answer(conn, id);
  })();
  return (listener.address as { port: number }).port;
}

async function answer(conn: Connection, id: string): Promise<void> {
  await using c = conn;
  await c.send(`${id}\n`).catch(() => {});
}

/** Opens `n` connections, `at` at a time, and counts who answered each. */
async function tally(port: number, n: number, at = 100): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('error', () => resolve());
      s.on('close', () => {
        const id = got.trim() || '(failed)';
        counts.set(id, (counts.get(id) ?? 0) + 1);
        resolve();
      });
      s.on('end', () => s.end());
    });
  for (let done = 0; done < n; done += at) {
    await Promise.all(Array.from({ length: Math.min(at, n - done) }, one));
  }
  return counts;
}

type Row = { method: string; counts?: Map<string, number>; why?: string };

async function viaProcesses(n: number): Promise<Row> {
  const start = (port: number, id: string) => {
    const child = fork(SELF, ['--server', id, String(port)], { execArgv: [] });
    return new Promise<{ child: typeof child; port: number }>((resolve, reject) => {
      child.once('message', (m: { port?: number; error?: string }) =>
        m.port === undefined ? reject(new Error(m.error)) : resolve({ child, port: m.port }),
      );
    });
  };
  let first;
  try {
    first = await start(0, 'process 1');
  } catch (err) {
    return { method: 'reusePort, 2 processes', why: (err as Error).message };
  }
  const second = await start(first.port, 'process 2');
  const counts = await tally(first.port, n);
  for (const c of [first.child, second.child]) c.kill();
  return { method: 'reusePort, 2 processes', counts };
}

async function viaThreads(n: number): Promise<Row> {
  const start = (port: number, id: string) => {
    const w = new Worker(SELF, { workerData: { id, port }, execArgv: [] });
    return new Promise<{ w: Worker; port: number }>((resolve, reject) => {
      w.once('message', (m: { port?: number; error?: string }) =>
        m.port === undefined ? reject(new Error(m.error)) : resolve({ w, port: m.port }),
      );
    });
  };
  let first;
  try {
    first = await start(0, 'thread 1');
  } catch (err) {
    return { method: 'reusePort, 2 worker threads', why: (err as Error).message };
  }
  const second = await start(first.port, 'thread 2');
  const counts = await tally(first.port, n);
  await Promise.all([first.w.terminate(), second.w.terminate()]);
  return { method: 'reusePort, 2 worker threads', counts };
}

async function viaCluster(n: number, policy: 'rr' | 'none'): Promise<Row> {
  const method = `node:cluster, ${policy === 'rr' ? 'round-robin (default)' : 'SCHED_NONE'}`;
  // The clients run here, not in the cluster's primary (which hands out the connections).
  const primary = fork(SELF, ['--cluster', policy], { execArgv: [] });
  try {
    const [m] = (await once(primary, 'message')) as [{ port?: number; error?: string }];
    if (m.port === undefined) return { method, why: m.error ?? 'no report' };
    return { method, counts: await tally(m.port, n) };
  } finally {
    primary.kill();
  }
}

/** The cluster primary: 2 workers on one port; reports the port, then serves until killed. */
async function clusterPrimary(policy: 'rr' | 'none'): Promise<void> {
  cluster.schedulingPolicy = policy === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: SELF, args: ['--cluster-worker'], execArgv: [] });
  const workers = Array.from({ length: SERVERS }, () => cluster.fork());
  process.on('SIGTERM', () => {
    for (const w of workers) w.kill();
    process.exit(0);
  });
  const ports: number[] = [];
  for (const w of workers) {
    const [m] = (await once(w, 'message')) as [{ port?: number; error?: string }];
    if (m.port === undefined) {
      process.send?.({ error: m.error });
      return;
    }
    ports.push(m.port);
  }
  process.send?.({ port: ports[0] });
}

function table(rows: Row[], n: number): string {
  const out = [
    `| method | connections per server (of ${n.toLocaleString('en')}) | largest share |`,
    '| --- | --- | --- |',
  ];
  for (const r of rows) {
    if (r.counts === undefined) {
      out.push(`| ${r.method} | not available here: ${r.why ?? ''} | — |`);
      continue;
    }
    const values = [...r.counts].sort(([a], [b]) => a.localeCompare(b));
    const most = Math.max(...values.map(([, v]) => v));
    out.push(
      `| ${r.method} | ${values.map(([k, v]) => `${k}: ${v}`).join(', ')} | ${((most / n) * 100).toFixed(1)}% |`,
    );
  }
  return out.join('\n');
}

const [mode, a, b] = process.argv.slice(2);
if (!isMainThread) {
  const { id, port } = workerData as { id: string; port: number };
  server(id, port, true).then(
    (p) => parentPort?.postMessage({ port: p }),
    (err: Error) => parentPort?.postMessage({ error: err.message }),
  );
} else if (mode === '--server') {
  server(a as string, Number(b), true).then(
    (p) => process.send?.({ port: p }),
    (err: Error) => process.send?.({ error: err.message }),
  );
} else if (mode === '--cluster') {
  await clusterPrimary(a as 'rr' | 'none');
} else if (mode === '--cluster-worker') {
  server(`worker ${cluster.worker?.id}`, 0, false).then(
    (p) => process.send?.({ port: p }),
    (err: Error) => process.send?.({ error: err.message }),
  );
} else {
  const n = Number(mode ?? 10_000);
  const rows = [
    await viaProcesses(n),
    await viaCluster(n, 'rr'),
    await viaCluster(n, 'none'),
    await viaThreads(n),
  ];
  console.log(
    `Node ${process.version}, ${process.platform}, ${n} connections, ${SERVERS} servers\n`,
  );
  console.log(table(rows, n));
}
