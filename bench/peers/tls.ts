// TLS cases, each against node:tls itself (tls.TLSSocket with 'data' handlers) in the same run.
// The certificate and key come from SOCKFLOW_BENCH_TLS, the directory ensureBenchTlsDir() made
// (bench/run.ts and bench/hs-ab.ts call it; the peers they start inherit it).
//
//   tls-bulk-send <warm> <bytes>            a node:tls server: one client, <warm> + <bytes> in
//                                           64 KiB writes, then close_notify and FIN
//   tls-bulk-recv <impl> <port> <warm>      connect and receive to EOF: node ('data'), iter
//                                           (for await), receive (receive(into))
//   tls-echo <impl>                         listen, echo one connection until EOF
//   tls-ping <impl> <port> <n> <size>       n round trips; prints the client's result
//   tls-hs-server <impl> <total>            accept <total> handshakes: each gets one byte, then
//                                           is closed
//   tls-hs-client <impl> <port> <n> <c>     n handshakes, c at a time; prints the client's result
//                                           (impl node-ctx: node:tls with one shared context)
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { connect, listen, type Connection } from 'sockflow';
import { selfSignedDir } from '../self-signed.js';
import { Meter, measure, printPort } from './common.js';

const BLOCK = 64 * 1024;
/** Handshakes each side runs before the measured ones (bench/run.ts counts them in). */
export const HANDSHAKE_WARMUP = 200;
const HOST = '127.0.0.1';

/** The certificate directory for this run, removed when the process exits. */
function makeBenchTlsDir(): string {
  const dir = selfSignedDir('sockflow-bench-tls-');
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Sets SOCKFLOW_BENCH_TLS to a directory holding `key.pem` and `cert.pem` (made now unless
 * set already), for this process and the peers it starts.
 */
export function ensureBenchTlsDir(): string {
  return (process.env.SOCKFLOW_BENCH_TLS ??= makeBenchTlsDir());
}

function creds(): { key: Buffer; cert: Buffer } {
  const dir = process.env.SOCKFLOW_BENCH_TLS;
  if (dir === undefined) throw new Error('SOCKFLOW_BENCH_TLS is not set');
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

async function nodeServer(onSecure: (s: tls.TLSSocket) => void): Promise<tls.Server> {
  const server = tls.createServer({ ...creds(), allowHalfOpen: true }, (s) => {
    s.setNoDelay(true);
    s.on('error', () => {});
    onSecure(s);
  });
  server.on('tlsClientError', () => {});
  server.listen(0, HOST);
  await once(server, 'listening');
  printPort((server.address() as { port: number }).port);
  return server;
}

let sharedContext: tls.SecureContext | undefined;

/**
 * A node:tls client. `shareContext`: hand-tuned, every connection gets the one secure context
 * made for the first, as sockflow does for equal credentials (node:tls makes one per
 * connection unless given one).
 */
function nodeClient(port: number, shareContext = false): tls.TLSSocket {
  const ca = creds().cert;
  const options: tls.ConnectionOptions = { port, host: HOST, ca };
  if (shareContext) options.secureContext = sharedContext ??= tls.createSecureContext({ ca });
  const s = tls.connect({ ...options, allowHalfOpen: true } as tls.ConnectionOptions);
  s.setNoDelay(true);
  return s;
}

async function sockflowClient(port: number): Promise<Connection> {
  return connect({ host: HOST, port }, { tls: { ca: creds().cert } });
}

export async function tlsBulkSend(warm: number, total: number): Promise<void> {
  const block = Buffer.alloc(BLOCK, 0x5a);
  const server = await nodeServer((s) => {
    void (async () => {
      for (let sent = 0; sent < warm + total; sent += BLOCK) {
        if (!s.write(block)) await once(s, 'drain');
      }
      s.end();
      s.resume();
      await once(s, 'close');
      server.close();
    })();
  });
}

export async function tlsBulkRecv(impl: string, port: number, warm: number): Promise<void> {
  const m = new Meter(warm);
  if (impl === 'node') {
    const s = nodeClient(port);
    s.on('data', (chunk: Buffer) => m.add(chunk.length));
    await once(s, 'end');
    m.finish();
    s.end();
    await once(s, 'close');
    return;
  }
  const conn = await sockflowClient(port);
  if (impl === 'iter') {
    for await (const chunk of conn) m.add(chunk.length);
  } else if (impl === 'receive') {
    const buf = new Uint8Array(BLOCK);
    for (let n; (n = await conn.receive(buf)) > 0;) m.add(n);
  } else throw new Error(`unknown receiver ${impl}`);
  m.finish();
  await conn.close();
}

export async function tlsEcho(impl: string): Promise<void> {
  if (impl === 'node') {
    const server = await nodeServer((s) => {
      s.on('data', (chunk: Buffer) => s.write(chunk));
      s.on('end', () => s.end());
      s.on('close', () => server.close());
    });
    return;
  }
  const listener = await listen({ host: HOST, port: 0 }, { tls: creds() });
  printPort((listener.address as { port: number }).port);
  const conn = await listener.accept();
  const buf = new Uint8Array(BLOCK);
  for (let n; (n = await conn.receive(buf)) > 0;) await conn.send(buf.subarray(0, n));
  await conn.close();
  await listener.close();
}

export async function tlsPing(impl: string, port: number, n: number, size: number): Promise<void> {
  const message = Buffer.alloc(size, 0x61);
  if (impl === 'node') {
    const s = nodeClient(port);
    await once(s, 'secureConnect');
    const done = await new Promise<ReturnType<typeof measure>>((resolve) => {
      let got = 0;
      let trips = 0;
      let finish: ReturnType<typeof measure> | undefined;
      const warmTrips = Math.min(1000, n);
      s.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got < size) return;
        got -= size;
        trips++;
        if (trips === warmTrips) finish = measure();
        if (trips === warmTrips + n) resolve(finish as ReturnType<typeof measure>);
        else s.write(message);
      });
      s.write(message);
    });
    done({ bytes: n * size, roundTrips: n });
    s.end();
    await once(s, 'close');
    return;
  }
  const conn = await sockflowClient(port);
  const buf = new Uint8Array(BLOCK);
  const trip = async (): Promise<void> => {
    await conn.send(message);
    for (let got = 0; got < size;) got += await conn.receive(buf);
  };
  for (let i = 0; i < Math.min(1000, n); i++) await trip();
  const done = measure();
  for (let i = 0; i < n; i++) await trip();
  done({ bytes: n * size, roundTrips: n });
  await conn.shutdown('send');
  while ((await conn.receive(buf)) > 0);
  await conn.close();
}

export async function tlsHandshakeServer(impl: string, total: number): Promise<void> {
  if (impl === 'node') {
    let seen = 0;
    const server = await nodeServer((s) => {
      // Not inside 'secureConnection' itself: OpenSSL sends no close_notify for an end()
      // there (the handshake is not finished), and the client would see a truncated stream.
      setImmediate(() => s.end('x'));
      if (++seen === total) server.close();
    });
    await once(server, 'close');
    return;
  }
  const listener = await listen({ host: HOST, port: 0 }, { tls: creds() });
  printPort((listener.address as { port: number }).port);
  const closing: Promise<unknown>[] = [];
  for (let seen = 0; seen < total; seen++) {
    const conn = await listener.accept();
    // The client resets once it has the byte: either way the connection ends.
    closing.push(
      conn.send('x').then(
        () => conn.close(),
        () => conn.reset(),
      ),
    );
  }
  await Promise.allSettled(closing);
  await listener.close();
}

/**
 * One client handshake against a handshake server, as `tls-hs-client` runs it: connect, read
 * to the end (the server's byte, then its close_notify), and close gracefully. Both clients
 * end with close_notify and FIN, after the server's.
 */
export async function handshakeOnce(impl: string, port: number): Promise<void> {
  if (impl === 'node' || impl === 'node-ctx') {
    const s = nodeClient(port, impl === 'node-ctx');
    s.on('error', () => {});
    s.resume();
    await once(s, 'end');
    s.end();
    if (!s.destroyed) await once(s, 'close');
    return;
  }
  const conn = await sockflowClient(port);
  while ((await conn.read()) !== null);
  await conn.close();
}

/** Runs `count` handshakes of `impl`, `concurrency` at a time. */
export async function handshakes(
  impl: string,
  port: number,
  count: number,
  concurrency: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await handshakeOnce(impl, port);
    }),
  );
}

export async function tlsHandshakeClient(
  impl: string,
  port: number,
  n: number,
  concurrency: number,
): Promise<void> {
  await handshakes(impl, port, HANDSHAKE_WARMUP, concurrency);
  const done = measure();
  await handshakes(impl, port, n, concurrency);
  done({ bytes: 0, messages: n });
}
