// Runs examples/pg-client.ts, the pg recipe of docs/recipes.md: pg (node-postgres) over a
// sockflow connection against a throwaway PostgreSQL (Debian's postgresql; .ci/run installs
// it), plain and with `ssl`, where pg asks the server for TLS over the Duplex and then wraps
// the Duplex in tls.connect({ socket }). The server is asked which connection it served, so
// the test knows the bytes went through sockflow's connection and (with ssl) TLS.
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPg, sockflowPool } from '../examples/pg-client.js';
import { connect, listen, type Connection } from '../src/core/index.js';
import { toDuplex } from '../src/streams/index.js';
import { LOOPBACK, portOf, readAll } from './helpers.js';
import { certs } from './tls-certs.js';
import { postgres, type Throwaway } from '../bench/throwaway-servers.js';

let server: Throwaway;

beforeAll(async () => {
  const c = certs();
  server = await postgres({ tls: { certFile: c.server.certFile, keyFile: c.server.keyFile } });
}, 60_000);

afterAll(async () => {
  await server.stop();
});

/** The example's client, and the sockflow connection it opened (seen on sockflow:connected). */
async function client(ssl: pg.ClientConfig['ssl']): Promise<{ db: pg.Client; conn: Connection }> {
  const opened: Connection[] = [];
  const seen = (message: unknown): void => {
    opened.push((message as { connection: Connection }).connection);
  };
  subscribe('sockflow:connected', seen);
  try {
    const db = await connectPg({
      host: LOOPBACK,
      port: server.port,
      user: 'postgres',
      database: 'postgres',
      ssl,
    });
    expect(opened).toHaveLength(1);
    return { db, conn: opened[0] as Connection };
  } finally {
    unsubscribe('sockflow:connected', seen);
  }
}

/** What the server says of the session: the client's port, and whether it runs over TLS. */
async function session(db: pg.Client): Promise<{ port: number; ssl: boolean }> {
  const { rows } = await db.query<{ port: number; ssl: boolean }>(
    `SELECT a.client_port AS port, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
     WHERE pid = pg_backend_pid()`,
  );
  return rows[0] ?? { port: -1, ssl: false };
}

/** Our end's port: the client port the server sees when the bytes went through `conn`. */
function portOfConn(conn: Connection): number {
  return (conn.localAddress as { port: number }).port;
}

/** 1,000 rows inserted one parameterised statement each, then read back in order. */
async function roundTrip(db: pg.Client, table: string): Promise<void> {
  await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text, data bytea)`);
  const rows = Array.from({ length: 1000 }, (_, id) => ({
    id,
    name: `row ${id} ✓ 'quoted' "and" \\ back`,
    data: randomBytes(id % 97),
  }));
  // One after another, as pg 8.23 asks (queueing a query behind another is deprecated).
  for (const r of rows) {
    await db.query(`INSERT INTO ${table} (id, name, data) VALUES ($1, $2, $3)`, [
      r.id,
      r.name,
      r.data,
    ]);
  }
  const read = await db.query<{ id: number; name: string; data: Buffer }>(
    `SELECT id, name, data FROM ${table} ORDER BY id`,
  );
  expect(read.rows).toEqual(rows);
}

describe('examples/pg-client.ts: pg over sockflow against PostgreSQL', () => {
  it('1,000 parameterised inserts read back equal, through the sockflow connection', async () => {
    const { db, conn } = await client(false);
    expect(await session(db)).toEqual({ port: portOfConn(conn), ssl: false });
    await roundTrip(db, 'plain_rows');
    await db.end();
    await conn.closed;
  }, 60_000);

  it('with ssl: pg upgrades the Duplex with tls.connect({ socket }), the certificate verified', async () => {
    const { db, conn } = await client({ ca: certs().ca });
    expect(await session(db)).toEqual({ port: portOfConn(conn), ssl: true });
    await roundTrip(db, 'tls_rows');
    await db.end();
    await conn.closed;
  }, 60_000);

  it('the server ends the session (pg_terminate_backend): the client hears of it at once', async () => {
    const { db } = await client(false);
    const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const errors: unknown[] = [];
    db.on('error', (err) => errors.push(err));
    const ended = new Promise((resolve) => db.once('end', resolve));
    const other = await connectPg({ host: LOOPBACK, port: server.port, user: 'postgres' });
    await other.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    await other.end();
    await ended; // 'close' from the Duplex: the server's EOF ended it (allowHalfOpen false)
    expect(errors[0]).toMatchObject({ code: '57P01' }); // admin_shutdown, then the close
    expect(errors.at(-1)).toMatchObject({ message: 'Connection terminated unexpectedly' });
  });

  it('sockflowPool: 200 queries at once over at most 4 pooled sockflow connections', async () => {
    let opened = 0;
    const seen = (): void => void opened++;
    subscribe('sockflow:connected', seen);
    try {
      const pool = sockflowPool({ host: LOOPBACK, port: server.port, user: 'postgres', max: 4 });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          pool.query<{ n: number }>('SELECT $1::int AS n', [i]),
        ),
      );
      results.forEach((r, i) => expect(r.rows).toEqual([{ n: i }]));
      expect(opened).toBeGreaterThan(0);
      expect(opened).toBeLessThanOrEqual(4);
      await pool.end();
    } finally {
      unsubscribe('sockflow:connected', seen);
    }
  });

  it('with ssl and a CA that did not sign the server: connectPg rejects, its connection closed', async () => {
    await expect(client({ ca: certs().selfSigned.cert })).rejects.toThrow(/certificate/);
  }, 60_000);

  it('a server that never answers: connectPg rejects at its deadline with the reason, the connection reset', async () => {
    await using silent = await listen({ host: LOOPBACK, port: 0 });
    const started = Date.now();
    const login = connectPg(
      { host: LOOPBACK, port: portOf(silent), user: 'postgres' },
      AbortSignal.timeout(300),
    );
    await expect(login).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
    // The example reset the connection when the deadline passed.
    await using accepted = await silent.accept();
    await expect(readAll(accepted)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('given a Duplex already destroyed: connect() rejects with ERR_SOCKET_CLOSED instead of waiting for ever', async () => {
    const conn = await connect({ host: LOOPBACK, port: server.port });
    const duplex = toDuplex(conn);
    duplex.destroy();
    const db = new pg.Client({ stream: () => duplex, host: 'localhost', port: server.port });
    await expect(db.connect()).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await conn.closed;
  });
});
