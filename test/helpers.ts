import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connect,
  listen,
  type SendAbortedError,
  type Connection,
  type ConnectionOptions,
  type Listener,
} from '../src/core/index.js';
import { certs } from './tls-certs.js';

export const LOOPBACK = '127.0.0.1';

export function portOf(listener: Listener): number {
  const a = listener.address;
  if (!('port' in a)) throw new Error('not a TCP listener');
  return a.port;
}

export interface Pair {
  client: Connection;
  server: Connection;
  listener: Listener;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A connected pair over loopback: a sockflow client and the sockflow connection it was accepted as. */
export async function pair(
  clientOptions?: ConnectionOptions,
  serverOptions?: ConnectionOptions,
): Promise<Pair> {
  const listener = await listen({ host: LOOPBACK, port: 0 }, serverOptions);
  const [client, server] = await Promise.all([
    connect({ host: LOOPBACK, port: portOf(listener) }, clientOptions),
    listener.accept(),
  ]);
  return pairOf(client, server, listener);
}

let socketDir: string | undefined;
let socketCount = 0;

/** A connected pair over a Unix domain socket (a fresh path in a directory of this process). */
export async function ipcPair(
  clientOptions?: ConnectionOptions,
  serverOptions?: ConnectionOptions,
): Promise<Pair> {
  if (socketDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'sockflow-pair-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    socketDir = dir;
  }
  const path = join(socketDir, `${process.pid}-${socketCount++}.sock`);
  const listener = await listen({ path }, serverOptions);
  const [client, server] = await Promise.all([connect({ path }, clientOptions), listener.accept()]);
  return pairOf(client, server, listener);
}

/**
 * A connected pair over TLS on loopback: a sockflow TLS client (verifying the test CA's
 * server certificate) and the connection a sockflow TLS listener accepted.
 */
export async function tlsPair(
  clientOptions?: ConnectionOptions,
  serverOptions?: ConnectionOptions,
): Promise<Pair> {
  const c = certs();
  const listener = await listen(
    { host: LOOPBACK, port: 0 },
    { ...serverOptions, tls: { key: c.server.key, cert: c.server.cert } },
  );
  const [client, server] = await Promise.all([
    connect(
      { host: LOOPBACK, port: portOf(listener) },
      { ...clientOptions, tls: { ca: c.ca, servername: 'localhost' } },
    ),
    listener.accept(),
  ]);
  return pairOf(client, server, listener);
}

/**
 * The transports the core's behaviours are checked over: each conformance suite (invariants
 * 1 to 5 of docs/design.md) runs once per entry.
 */
export const transports: readonly {
  name: string;
  pair: typeof pair;
  /**
   * Whether the OS can take a small send before `trySend()` returns. Not over TLS: node:tls
   * completes every write on a later turn (the encrypted bytes go out in its own write).
   */
  syncWrites: boolean;
}[] = [
  { name: 'TCP', pair, syncWrites: true },
  { name: 'Unix socket', pair: ipcPair, syncWrites: true },
  { name: 'TLS', pair: tlsPair, syncWrites: false },
];

export function pairOf(client: Connection, server: Connection, listener: Listener): Pair {
  return {
    client,
    server,
    listener,
    async [Symbol.asyncDispose]() {
      await Promise.all([client.reset(), server.reset(), listener.close()]);
    },
  };
}

/** A raw node:net server whose accepted sockets are handed to the test. */
export async function rawServer(): Promise<{
  port: number;
  next(): Promise<net.Socket>;
  close(): Promise<void>;
}> {
  const sockets: net.Socket[] = [];
  const waiters: ((s: net.Socket) => void)[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const w = waiters.shift();
    if (w) w(s);
    else sockets.push(s);
  });
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    next: () => {
      const s = sockets.shift();
      return s ? Promise.resolve(s) : new Promise((r) => waiters.push(r));
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Reads a raw socket to its end. */
export async function readAllRaw(s: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Reads a connection to EOF through read(). */
export async function readAll(conn: Connection): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let c; (c = await conn.read()) !== null;) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * Starts a send of `size` bytes (more than loopback buffers hold, so it stays in flight while
 * the peer does not read), aborts it once it is in flight, and returns what it rejected with.
 */
export async function abortSendInFlight(
  conn: Connection,
  size: number,
  reason?: unknown,
): Promise<SendAbortedError> {
  const ac = new AbortController();
  const sending = conn.send(Buffer.alloc(size, 7), { signal: ac.signal });
  await until(() => conn.sendsInFlight === 1);
  ac.abort(reason);
  return (await sending.catch((e: unknown) => e)) as SendAbortedError;
}

export function random(n: number): Buffer {
  return randomBytes(n);
}

/**
 * Resolves after `n` turns of the event loop. Each turn polls for I/O and runs every pending
 * callback and microtask: for checking that something did *not* happen (no stray event, no
 * progress of a stalled transfer) without a sleep deciding the outcome.
 */
export async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Waits until `value()` stays the same over `n` turns of the event loop (a transfer has
 * stalled): a positive condition, so a transfer that never stalls fails after `ms`.
 */
export async function untilStalled<T>(value: () => T, n = 50, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const before = value();
    await turns(n);
    if (value() === before) return before;
    if (Date.now() > end) throw new Error('still moving after the time allowed');
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `cond()` holds, polling; fails after `ms`. */
export async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(2);
  }
}

/**
 * The timer iproute2's ss shows for the TCP connection whose local port is `conn`'s
 * (`'keepalive'` once keep-alive probes are on; `''` for none).
 */
export async function ssTimerOf(conn: Connection): Promise<string> {
  const local = conn.localAddress;
  if (!('port' in local)) throw new Error('not a TCP connection');
  const { stdout } = await promisify(execFile)('ss', [
    '-tnoH',
    'state',
    'established',
    `sport = :${local.port}`,
  ]);
  return /timer:\((\w+)/.exec(stdout)?.[1] ?? '';
}
