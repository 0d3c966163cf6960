// Every core serving one port: several processes, each with its own listener on the port
// (`listen(on, { reusePort: true })`), the kernel spreading new connections over them, no
// process in between. Each worker answers a connection with its pid. Where reusePort cannot
// work (Node before 22.12, macOS, Windows) the first worker's listen() rejects with
// ERR_SOCKET_REUSEPORT_UNSUPPORTED and startWorkers() rejects with that error: it never
// serves on one process while saying it serves on several. docs/scaling.md compares this with
// node:cluster. test/examples-servers.test.ts runs it.
//
// Run it: node dist/examples/reuse-port.js [port] [processes]
// #region docs
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listen, SockflowError, type Connection } from 'sockflow';

type Report = { port: number } | { error: string; code: string };

/** One worker: listens on `port` (0: any) with reusePort, reports its port, serves. */
async function worker(port: number): Promise<void> {
  let listener;
  try {
    listener = await listen({ host: '127.0.0.1', port }, { reusePort: true });
  } catch (err) {
    const { message, code } = err as SockflowError;
    process.send?.({ error: message, code } satisfies Report);
    process.exit(1);
  }
  process.send?.({ port: (listener.address as { port: number }).port } satisfies Report);
  process.on('disconnect', () => void listener.close()); // the primary went away: stop
  for await (const conn of listener) {
    answer(conn).catch((err: unknown) => console.error('worker:', (err as Error).message));
  }
}

/** Answers a connection with this worker's pid, then closes it gracefully. */
async function answer(conn: Connection): Promise<void> {
  await using c = conn;
  await c.send(`served by ${process.pid}\n`);
}

/** The workers, and the port they share. */
export interface Workers {
  port: number;
  pids: number[];
  stop(): Promise<void>;
}

async function startOne(port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--worker', String(port)]);
  const report = await new Promise<Report>((resolve, reject) => {
    child.once('message', (m: Report) => resolve(m));
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before listening`)));
  });
  if ('error' in report) throw new SockflowError(report.error, report.code);
  return { child, port: report.port };
}

/** Starts `n` worker processes on one port (the first picks it when `port` is 0). */
export async function startWorkers(port: number, n = availableParallelism()): Promise<Workers> {
  const first = await startOne(port);
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => startOne(first.port)));
  const children = [first.child, ...rest.map((w) => w.child)];
  return {
    port: first.port,
    pids: children.map((c) => c.pid as number),
    async stop() {
      await Promise.all(
        children.map((c) => {
          const exited = once(c, 'exit');
          c.disconnect();
          return exited;
        }),
      );
    },
  };
}

if (process.argv[2] === '--worker') {
  await worker(Number(process.argv[3]));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const w = await startWorkers(Number(process.argv[2] ?? 8081), Number(process.argv[3] ?? 2));
  console.log(`${w.pids.length} processes on port ${w.port}: ${w.pids.join(', ')}`);
}
// #endregion docs
