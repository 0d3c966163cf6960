// pg (node-postgres) over sockflow connections: a client whose connection is opened (with a
// deadline) and handed to pg.Client as its `stream`, and a pg.Pool whose clients each get one;
// with `ssl`, pg asks the server for TLS and wraps the stream in tls.connect({ socket }). docs/recipes.md walks through it;
// test/examples-libraries.test.ts runs it against a throwaway PostgreSQL.
//
// Run it: node dist/examples/pg-client.js 127.0.0.1 5432 postgres
import type { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { connect } from 'sockflow';
import { toDuplex } from 'sockflow/streams';

// #region docs
/**
 * A connected `pg.Client` whose bytes go through a sockflow connection. The client owns it
 * from here: `client.end()` closes it, `connectionTimeoutMillis` and `signal` bound the
 * connection and the login together, and a failed login closes it too.
 */
export async function connectPg(
  config: pg.ClientConfig & { host: string; port: number },
  signal: AbortSignal = AbortSignal.timeout(10_000),
): Promise<pg.Client> {
  const conn = await connect({ host: config.host, port: config.port }, { signal });
  // pg calls stream.connect(port, host) and waits for 'connect': the Duplex emits it at once.
  // pg learns that the server ended the connection only from 'close': allowHalfOpen false.
  const stream = (): Duplex => toDuplex(conn, { allowHalfOpen: false });
  const client = new pg.Client({ ...config, stream });
  const abort = (): void => void conn.reset(); // the login fails with the reset
  signal.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    return client;
  } catch (err) {
    await conn.close(); // pg did not take it: ours to close
    throw signal.aborted ? signal.reason : err;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}
// #endregion docs

// #region pool
/**
 * A `pg.Pool` whose clients each run over a sockflow connection. The pool asks for a stream
 * synchronously for every client it adds; `toDuplex()` gives one at once, still connecting.
 * The pool owns them: it keeps up to `max`, closes those idle past `idleTimeoutMillis`, and
 * `pool.end()` closes them all. `connectTimeoutMs` bounds each connection attempt.
 */
export function sockflowPool(
  config: pg.PoolConfig & { host: string; port: number },
  connectTimeoutMs = 10_000,
): pg.Pool {
  const to = { host: config.host, port: config.port };
  return new pg.Pool({
    ...config,
    stream: () =>
      toDuplex(
        (destroyed) => {
          const signal = AbortSignal.any([destroyed, AbortSignal.timeout(connectTimeoutMs)]);
          return connect(to, { signal });
        },
        { allowHalfOpen: false },
      ),
  });
}
// #endregion pool

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [host = '127.0.0.1', port = '5432', user = 'postgres'] = process.argv.slice(2);
  const client = await connectPg({ host, port: Number(port), user });
  const { rows } = await client.query<{ version: string }>('SELECT version()');
  console.log(rows[0]?.version);
  await client.end();
}
