// The two sides of the soak (bench/soak.ts, and test/soak.test.ts in small): an echo server
// through the core or through compat, and clients that echo random payloads through it and
// check every byte.
import { randomBytes } from 'node:crypto';
import { connect, listen, type Connection } from 'sockflow';
import { IPAddress, IPEndPoint } from 'sockflow/compat';
import { EchoServer } from '../examples/saea-echo-server.js';

/** How a side did. `errors` counts mismatched bytes and failed operations: it must be 0. */
export interface SoakStats {
  /** Connections open at once, at most. */
  connections: number;
  /** Payload bytes this side received. */
  bytes: number;
  errors: number;
  /** The first few failures, described. */
  failures: string[];
}

export interface SoakServer {
  readonly port: number;
  stats(): SoakStats;
  close(): Promise<void>;
}

/** The largest payload a client sends in one round. */
export const MAX_PAYLOAD = 16 * 1024;

/**
 * An echo server on loopback: `'core'` is `listen()` with a `for await` echo per connection,
 * `'compat'` is the ported .NET echo server of examples/saea-echo-server.ts (a
 * `SocketAsyncEventArgs` pool), sized for `connections` clients.
 */
export async function startEchoServer(
  mode: 'core' | 'compat',
  connections: number,
): Promise<SoakServer> {
  if (mode === 'compat') {
    const server = new EchoServer({
      maxConnections: connections,
      receiveBufferSize: 4096,
      backlog: 4096,
    });
    server.init();
    await server.start(new IPEndPoint(IPAddress.Loopback, 0));
    return {
      port: server.port,
      stats: () => ({
        connections: server.maxConnectedClients,
        bytes: server.totalBytesRead,
        errors: 0, // the example drops a client whose operation fails; clients see it
        failures: [],
      }),
      close: () => {
        server.stop();
        return Promise.resolve();
      },
    };
  }
  const listener = await listen({ host: '127.0.0.1', port: 0 });
  const stats: SoakStats = { connections: 0, bytes: 0, errors: 0, failures: [] };
  let open = 0;
  const serving = new Set<Promise<void>>();
  const serve = async (conn: Connection): Promise<void> => {
    open++;
    stats.connections = Math.max(stats.connections, open);
    try {
      for await (const chunk of conn) {
        stats.bytes += chunk.length;
        await conn.send(chunk);
      }
      await conn.close();
    } catch (e) {
      stats.errors++;
      if (stats.failures.length < 5) stats.failures.push(`server: ${String(e)}`);
      await conn.reset();
    } finally {
      open--;
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const s = serve(conn);
        serving.add(s);
        void s.finally(() => serving.delete(s));
      }
    } catch {
      // the listener was closed
    }
  })();
  const { port } = listener.address as { port: number };
  return {
    port,
    stats: () => stats,
    close: async () => {
      await listener.close();
      await accepting;
      await Promise.all(serving);
    },
  };
}

/**
 * Opens `n` connections to `port` (in waves, so the listen queue never overflows), echoes a
 * byte on each, then has each echo random payloads (1 byte to MAX_PAYLOAD, random split into one or two sends)
 * until `seconds` have passed, checking every byte that comes back; then each closes.
 */
export async function runClients(port: number, n: number, seconds: number): Promise<SoakStats> {
  const pool = randomBytes(4 * MAX_PAYLOAD);
  const stats: SoakStats = { connections: 0, bytes: 0, errors: 0, failures: [] };
  const fail = (what: string): void => {
    stats.errors++;
    if (stats.failures.length < 5) stats.failures.push(what);
  };
  const conns: Connection[] = [];
  for (let i = 0; i < n; i += 500) {
    const wave = Math.min(500, n - i);
    conns.push(
      ...(await Promise.all(
        Array.from({ length: wave }, () => connect({ host: '127.0.0.1', port })),
      )),
    );
  }
  stats.connections = conns.length;
  // One byte echoed on every connection before the timed part: the server has accepted them
  // all by then. (Under load libuv accepts one connection per event-loop turn, node-notes
  // §13, so a server busy echoing takes a while to reach the last ones.)
  const one = new Uint8Array(1);
  await Promise.all(
    conns.map(async (conn) => {
      await conn.send(pool.subarray(0, 1));
      if ((await conn.receive(one)) !== 1 || one[0] !== pool[0]) fail('the first echo failed');
      stats.bytes += 1;
    }),
  );
  const deadline = Date.now() + seconds * 1000;
  const echo = async (conn: Connection, seed: number): Promise<void> => {
    const back = new Uint8Array(MAX_PAYLOAD);
    let x = seed;
    const next = (): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x;
    };
    try {
      while (Date.now() < deadline) {
        const size = 1 + (next() % MAX_PAYLOAD);
        const from = next() % (pool.length - size);
        const payload = pool.subarray(from, from + size);
        const cut = next() % size;
        if (cut > 0 && next() % 2 === 0) {
          const first = conn.send(payload.subarray(0, cut)); // two sends in flight at once
          await Promise.all([first, conn.send(payload.subarray(cut))]);
        } else {
          await conn.send(payload);
        }
        let got = 0;
        while (got < size) {
          const k = await conn.receive(back.subarray(got, size));
          if (k === 0) throw new Error('the server ended the connection early');
          got += k;
        }
        stats.bytes += size;
        if (Buffer.compare(back.subarray(0, size), payload) !== 0) {
          fail(`a ${size}-byte echo came back different`);
          break;
        }
        // Let other connections run: a round that completes at once would starve them.
        if (next() % 8 === 0) await new Promise((r) => setImmediate(r));
      }
      await conn.close();
    } catch (e) {
      fail(`client: ${String(e)}`);
      await conn.reset();
    }
  };
  await Promise.all(conns.map((c, i) => echo(c, i + 1)));
  return stats;
}
