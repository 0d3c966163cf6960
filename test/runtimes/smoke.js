// A smoke test of the built package (dist/) under whatever runtime runs it: Node, Bun or Deno
// through their node:net (docs/node-notes.md §17). Each step must finish within its deadline:
// before node-net.ts probed for the private surfaces, a read() never completed under Bun and an
// accept() never completed under Deno. Prints one line per step; exits 1 on any failure.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedDir } from '../../dist/bench/self-signed.js';
import { failures, step } from './step.js';
import { bind, connect, listen } from '../../dist/core/index.js';
import {
  AddressFamily,
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketError,
  SocketType,
} from '../../dist/compat/index.js';

function completes(start, e) {
  return new Promise((resolve) => {
    e.once('completed', () => resolve(e));
    if (!start(e)) {
      e.removeAllListeners('completed');
      resolve(e);
    }
  });
}

const N = 16 * 1024 * 1024;
const data = Buffer.alloc(N);
for (let i = 0; i < N; i++) data[i] = (i * 31) & 0xff;
const want = createHash('sha1').update(data).digest('hex');

const l = await listen({ host: '127.0.0.1', port: 0 }, { receiveBufferSize: 32 * 1024 });
const port = l.address.port;
let c;
let s;
await step('connect and accept', async () => {
  [c, s] = await Promise.all([
    connect({ host: '127.0.0.1', port }, { receiveBufferSize: 32 * 1024 }),
    l.accept(),
  ]);
});
await step('16 MiB each way: receive(into) one way, for await the other', async () => {
  const up = (async () => {
    for (let o = 0; o < N; o += 100_000) await c.send(data.subarray(o, o + 100_000));
    await c.shutdown('send');
  })();
  const down = (async () => {
    for (let o = 0; o < N; o += 70_000) await s.send(data.subarray(o, o + 70_000));
    await s.shutdown('send');
  })();
  const gotUp = (async () => {
    const h = createHash('sha1');
    const buf = new Uint8Array(9000);
    let t = 0;
    for (let n; (n = await s.receive(buf)) > 0; t += n) h.update(buf.subarray(0, n));
    return t === N && h.digest('hex') === want;
  })();
  const gotDown = (async () => {
    const h = createHash('sha1');
    let t = 0;
    for await (const chunk of c) {
      h.update(chunk);
      t += chunk.length;
    }
    return t === N && h.digest('hex') === want;
  })();
  const [okUp, okDown] = await Promise.all([gotUp, gotDown, up, down]);
  if (!okUp || !okDown) throw new Error(`bytes differ (up ${okUp}, down ${okDown})`);
});
await step('graceful close both ways', async () => {
  const infos = await Promise.all([c.close(), s.close()]);
  const reasons = infos.map((i) => i.reason).join(',');
  if (reasons !== 'closed,closed') throw new Error(reasons);
  return reasons;
});
await step('a peer reset reaches a pending read', async () => {
  const [c2, s2] = await Promise.all([connect({ host: '127.0.0.1', port }), l.accept()]);
  const pending = s2.read().then(
    () => 'eof',
    (e) => e.code,
  );
  await c2.reset();
  const seen = await pending;
  if (seen !== 'ECONNRESET') throw new Error(`read gave ${seen}`);
  return `${seen}, closed: ${(await s2.closed).reason}`;
});
await step('compat: accept, connect, send and receive', async () => {
  const server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
  server.bind(new IPEndPoint(IPAddress.Loopback, 0));
  await server.listenAsync();
  const accepting = completes((e) => server.acceptAsync(e), new SocketAsyncEventArgs());
  const client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
  const ce = new SocketAsyncEventArgs();
  ce.remoteEndPoint = new IPEndPoint(IPAddress.Loopback, server.localEndPoint.port);
  await completes((e) => client.connectAsync(e), ce);
  const peer = (await accepting).acceptSocket;
  const se = new SocketAsyncEventArgs();
  se.setBuffer(Buffer.from('ping'), 0, 4);
  await completes((e) => client.sendAsync(e), se);
  const re = new SocketAsyncEventArgs();
  re.setBuffer(new Uint8Array(16), 0, 16);
  await completes((e) => peer.receiveAsync(e), re);
  const got = Buffer.from(re.buffer.subarray(0, re.bytesTransferred)).toString();
  client.close();
  peer.close();
  server.close();
  if (re.socketError !== SocketError.Success || got !== 'ping') {
    throw new Error(`${SocketError[re.socketError]} '${got}'`);
  }
  return got;
});
// TLS: a self-signed certificate for 127.0.0.1 (made with openssl), trusted as the CA.
const dir = selfSignedDir('sockflow-smoke-tls-');
const key = readFileSync(join(dir, 'key.pem'));
const cert = readFileSync(join(dir, 'cert.pem'));
rmSync(dir, { recursive: true, force: true });
const M = 4 * 1024 * 1024;
const tlsData = Buffer.alloc(M, 7);
async function drain(conn) {
  let n = 0;
  for await (const chunk of conn) n += chunk.length;
  return n;
}
await step('TLS: verified connect, 4 MiB each way, shutdown with close_notify', async () => {
  const tl = await listen({ host: '127.0.0.1', port: 0 }, { tls: { key, cert } });
  try {
    const [c3, s3] = await Promise.all([
      connect({ host: '127.0.0.1', port: tl.address.port }, { tls: { ca: cert } }),
      tl.accept(),
    ]);
    const [up, down] = await Promise.all([
      drain(s3),
      drain(c3),
      c3.send(tlsData).then(() => c3.shutdown('send')),
      s3.send(tlsData).then(() => s3.shutdown('send')),
    ]);
    if (up !== M || down !== M) throw new Error(`got ${up} and ${down} bytes`);
    const protocol = c3.tls?.protocol;
    await Promise.all([c3.close(), s3.close()]);
    return `${protocol}, ${(await c3.closed).reason}`;
  } finally {
    await tl.close();
  }
});
await step('TLS: a verification failure rejects with its code', async () => {
  const tl = await listen({ host: '127.0.0.1', port: 0 }, { tls: { key, cert } });
  try {
    const code = await connect({ host: '127.0.0.1', port: tl.address.port }, { tls: {} }).then(
      (conn) => conn.reset().then(() => 'connected'),
      (e) => e.code,
    );
    if (code !== 'DEPTH_ZERO_SELF_SIGNED_CERT') throw new Error(`got ${code}`);
    return code;
  } finally {
    await tl.close();
  }
});
await step('STARTTLS: command and ClientHello back to back', async () => {
  const [c4, s4] = await Promise.all([connect({ host: '127.0.0.1', port }), l.accept()]);
  await c4.send('STARTTLS\r\n');
  const upgrading = c4.startTls({ ca: cert });
  const line = new Uint8Array(10);
  let n = 0;
  while (n < 10) n += await s4.receive(line.subarray(n));
  if (Buffer.from(line).toString() !== 'STARTTLS\r\n') throw new Error('no command');
  const [sc, ss] = await Promise.all([upgrading, s4.startTls({ isServer: true, key, cert })]);
  await sc.send('secret');
  await sc.shutdown('send');
  const got = await drain(ss);
  await Promise.all([sc.reset(), ss.reset()]);
  if (got !== 6) throw new Error(`got ${got} bytes`);
  return `${(await c4.closed).reason}`;
});
await step('UDP: a datagram each way, truncation, cancel-safe receive, close', async () => {
  const a = await bind({ host: '127.0.0.1', port: 0 });
  const b = await bind({ host: '127.0.0.1', port: 0 });
  try {
    await a.send('ping', { host: '127.0.0.1', port: b.address.port });
    const { data, from } = await b.receive({ signal: AbortSignal.timeout(5_000) });
    if (Buffer.from(data).toString() !== 'ping' || from.port !== a.address.port) {
      throw new Error('ping did not arrive whole from its sender');
    }
    const aborted = await a.receive({ signal: AbortSignal.timeout(20) }).catch((e) => e.name);
    if (aborted !== 'TimeoutError') throw new Error(`the aborted receive gave ${aborted}`);
    await b.send('pong!', { host: from.address, port: from.port });
    const buf = new Uint8Array(4);
    const r = await a.receive(buf, { signal: AbortSignal.timeout(5_000) });
    if (r.bytes !== 4 || !r.truncated) throw new Error(`pong!: ${JSON.stringify(r)}`);
    // The handler is attached before close() rejects it: a runtime may report it unhandled.
    const pending = b.receive().then(
      () => 'resolved',
      (e) => e.code,
    );
    await b.close();
    const code = await pending;
    if (code !== 'ERR_SOCKET_CLOSED') throw new Error(`close gave ${code}`);
    return 'ping, pong! truncated to 4';
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
await step(
  'compat UDP: sendToAsync, a waiting receiveFromAsync, truncation, close aborts',
  async () => {
    const a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    const b = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    try {
      a.bind(new IPEndPoint(IPAddress.Loopback, 0));
      b.bind(new IPEndPoint(IPAddress.Loopback, 0));
      // Where binding completes on a later tick (Bun), the first operation waits for it.
      const re = new SocketAsyncEventArgs();
      re.setBuffer(new Uint8Array(4), 0, 4);
      re.remoteEndPoint = new IPEndPoint(IPAddress.Any, 0);
      const receiving = completes((e) => b.receiveFromAsync(e), re);
      while (b.localEndPoint === null) await new Promise((r) => setTimeout(r, 1));
      const se = new SocketAsyncEventArgs();
      se.setBuffer(Buffer.from('hello'), 0, 5);
      se.remoteEndPoint = b.localEndPoint;
      await completes((e) => a.sendToAsync(e), se);
      await receiving;
      const got = Buffer.from(re.buffer.subarray(0, re.bytesTransferred)).toString();
      if (se.socketError !== SocketError.Success || se.bytesTransferred !== 5) {
        throw new Error(`send: ${SocketError[se.socketError]} ${se.bytesTransferred}`);
      }
      if (re.socketError !== SocketError.Success || got !== 'hell') {
        throw new Error(`receive: ${SocketError[re.socketError]} '${got}'`);
      }
      if (re.remoteEndPoint.port !== a.localEndPoint.port) throw new Error('wrong sender');
      const waiting = new SocketAsyncEventArgs();
      waiting.setBuffer(new Uint8Array(4), 0, 4);
      waiting.remoteEndPoint = new IPEndPoint(IPAddress.Any, 0);
      const aborted = completes((e) => b.receiveFromAsync(e), waiting);
      b.close();
      await aborted;
      if (waiting.socketError !== SocketError.OperationAborted) {
        throw new Error(`close gave ${SocketError[waiting.socketError]}`);
      }
      return `'${got}' (truncated), then OperationAborted`;
    } finally {
      a.close();
      b.close();
    }
  },
);
await l.close();
console.log(failures() === 0 ? 'every step passed' : `${failures()} step(s) failed`);
process.exit(failures() === 0 ? 0 : 1);
