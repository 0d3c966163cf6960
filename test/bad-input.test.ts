// The bad-input table of docs/errors.md, walked (issue 16): for every public function, method
// and constructor of the three layers, each kind of bad argument that applies, and what it
// gets. The expectations are read from the document itself, so the docs and the behaviour
// cannot drift: a row without a case here fails, a case without a row fails, and every case
// must do exactly what its row says (throw or reject, error class, code).
//
// BAD_INPUT_PRINT=1 prints the observed table rows instead of checking them (to write the
// document after a deliberate change; read every changed row before pasting it).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AddressFamily,
  ArraySegment,
  BufferManager,
  DnsEndPoint,
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketAsyncEventArgsPool,
  SocketShutdown,
  SocketType,
  type EndPoint,
} from '../src/compat/index.js';
import {
  bind,
  connect,
  DatagramSocket,
  listen,
  tryBind,
  type Connection,
  type Listener,
} from '../src/core/index.js';
import {
  lines,
  messages,
  readExactly,
  readUntil,
  sendMessage,
  toDuplex,
  toReadableStream,
  toWritableStream,
} from '../src/streams/index.js';
import { LOOPBACK, pair, type Pair } from './helpers.js';

/** The reason every "aborted signal" case's signal carries: the rejection must be it. */
const REASON = new Error('the reason of an aborted signal');
const aborted = (): AbortSignal => AbortSignal.abort(REASON);

/** A buffer detached by transferring it away. */
function detached(): Uint8Array {
  const b = new Uint8Array(16);
  structuredClone(b.buffer, { transfer: [b.buffer] });
  return b;
}
const shared = (): Uint8Array => new Uint8Array(new SharedArrayBuffer(16));

// Fixtures: what a case runs against, released after it.
const opened: (Pair | Listener | Socket | DatagramSocket)[] = [];
async function live(): Promise<Pair> {
  const p = await pair();
  opened.push(p);
  return p;
}
async function closed(): Promise<Connection> {
  const p = await live();
  await p.client.close({ signal: AbortSignal.timeout(1) });
  return p.client;
}
async function closedListener(): Promise<Listener> {
  const l = await listen({ host: LOOPBACK, port: 0 });
  await l.close();
  return l;
}
async function udpSocket(): Promise<DatagramSocket> {
  const s = await bind({ host: LOOPBACK, port: 0 });
  opened.push(s);
  return s;
}
async function closedUdpSocket(): Promise<DatagramSocket> {
  const s = await bind({ host: LOOPBACK, port: 0 });
  await s.close();
  return s;
}
function socket(): Socket {
  const s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
  opened.push(s);
  return s;
}
function dgramSocket(): Socket {
  const s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
  opened.push(s);
  return s;
}
function withRemote(ep: EndPoint): SocketAsyncEventArgs {
  const e = new SocketAsyncEventArgs();
  e.remoteEndPoint = ep;
  return e;
}
afterEach(async () => {
  for (const x of opened.splice(0)) {
    if (x instanceof Socket) x.close();
    else if (x instanceof DatagramSocket) await x.close();
    else if ('client' in x) await x[Symbol.asyncDispose]();
    else await x.close();
  }
});

/** What a case runs against: made before the call, so the call itself is synchronous. */
interface Fixtures {
  /** A connected pair. */
  readonly live: Pair;
  /** A client connection already closed by us. */
  readonly closed: Connection;
  /** A listener already closed. */
  readonly listener: Listener;
  /** A bound UDP socket, and one already closed. */
  readonly udp: DatagramSocket;
  readonly closedUdp: DatagramSocket;
}
type Case = readonly [call: string, argument: string, kind: string, run: (f: Fixtures) => unknown];

/** Makes the fixtures a case uses, lazily, on first touch. */
async function fixturesFor(run: Case[3]): Promise<Fixtures> {
  const src = run.toString();
  return {
    live: src.includes('f.live') ? await live() : (undefined as never),
    closed: src.includes('f.closed') ? await closed() : (undefined as never),
    listener: src.includes('f.listener') ? await closedListener() : (undefined as never),
    udp: /f\.udp\b/.test(src) ? await udpSocket() : (undefined as never),
    closedUdp: src.includes('f.closedUdp') ? await closedUdpSocket() : (undefined as never),
  };
}

const CASES: Case[] = [
  // --- core: connect, listen -------------------------------------------------------------
  ['connect(to, options)', 'to', 'wrong type', () => connect('localhost:80' as never)],
  ['connect(to, options)', 'to.port', 'negative', () => connect({ port: -1 })],
  ['connect(to, options)', 'to.port', 'NaN', () => connect({ port: NaN })],
  ['connect(to, options)', 'to.port', 'fractional', () => connect({ port: 1.5 })],
  ['connect(to, options)', 'to.port', 'too large', () => connect({ port: 65536 })],
  ['connect(to, options)', 'to.path', 'too large', () => connect({ path: 'x'.repeat(200) })],
  [
    'connect(to, options)',
    'options.receiveBufferSize',
    'negative',
    () => connect({ port: 9 }, { receiveBufferSize: -1 }),
  ],
  [
    'connect(to, options)',
    'options.maxPendingSends',
    'fractional',
    () => connect({ port: 9 }, { maxPendingSends: 1.5 }),
  ],
  [
    'connect(to, options)',
    'options.maxQueuedSendBytes',
    'NaN',
    () => connect({ port: 9 }, { maxQueuedSendBytes: NaN }),
  ],
  [
    'connect(to, options)',
    'options.idleTimeout',
    'wrong type',
    () => connect({ port: 9 }, { idleTimeout: '5' as never }),
  ],
  [
    'connect(to, options)',
    'options.signal',
    'wrong type',
    () => connect({ port: 9 }, { signal: 'x' as never }),
  ],
  [
    'connect(to, options)',
    'options.signal',
    'aborted signal',
    () => connect({ port: 9 }, { signal: aborted() }),
  ],
  ['listen(on, options)', 'on', 'wrong type', () => listen(42 as never)],
  ['listen(on, options)', 'on.port', 'too large', () => listen({ port: 65536 })],
  [
    'listen(on, options)',
    'options.backlog',
    'negative',
    () => listen({ port: 0 }, { backlog: -1 }),
  ],
  [
    'listen(on, options)',
    'options.backlog',
    'too large',
    () => listen({ port: 0 }, { backlog: 2 ** 40 }),
  ],
  [
    'listen(on, options)',
    'options.maxPendingAccepts',
    'fractional',
    () => listen({ port: 0 }, { maxPendingAccepts: 0.5 }),
  ],
  [
    'listen(on, options)',
    'options.signal',
    'aborted signal',
    () => listen({ port: 0 }, { signal: aborted() }),
  ],
  // --- core: Connection ------------------------------------------------------------------
  ['conn.receive(into, options)', 'into', 'wrong type', (f) => f.live.server.receive('x' as never)],
  ['conn.receive(into, options)', 'into', 'empty', (f) => f.live.server.receive(new Uint8Array(0))],
  [
    'conn.receive(into, options)',
    'into',
    'detached buffer',
    (f) => f.live.server.receive(detached()),
  ],
  [
    'conn.receive(into, options)',
    'into',
    'SharedArrayBuffer view',
    (f) => {
      void f.live.client.send('x');
      return f.live.server.receive(shared());
    },
  ],
  [
    'conn.receive(into, options)',
    'options.signal',
    'aborted signal',
    (f) => f.live.server.receive(new Uint8Array(4), { signal: aborted() }),
  ],
  [
    'conn.receive(into, options)',
    '(the connection)',
    'closed connection',
    (f) => f.closed.receive(new Uint8Array(4)),
  ],
  [
    'conn.receive(into, options)',
    'into',
    'detached buffer in a list',
    (f) => f.live.server.receive([new Uint8Array(4), detached()]),
  ],
  ['conn.read(options)', 'options', 'wrong type', (f) => f.live.server.read(5 as never)],
  [
    'conn.read(options)',
    'options.signal',
    'aborted signal',
    (f) => f.live.server.read({ signal: aborted() }),
  ],
  ['conn.read(options)', '(the connection)', 'closed connection', (f) => f.closed.read()],
  [
    'conn.chunks(options)',
    'options.signal',
    'wrong type',
    (f) => f.live.server.chunks({ signal: 1 as never }),
  ],
  [
    'conn.chunks(options)',
    'options.signal',
    'aborted signal',
    (f) => f.live.server.chunks({ signal: aborted() }).next(),
  ],
  [
    'conn.chunks(options)',
    '(the connection)',
    'closed connection',
    (f) => f.closed.chunks().next(),
  ],
  ['conn.send(data, options)', 'data', 'wrong type', (f) => f.live.client.send(42 as never)],
  [
    'conn.send(data, options)',
    'data',
    'wrong type in a list',
    (f) => f.live.client.send([new Uint8Array(1), 'x'] as unknown as Uint8Array[]),
  ],
  ['conn.send(data, options)', 'data', 'detached buffer', (f) => f.live.client.send(detached())],
  [
    'conn.send(data, options)',
    'data',
    'SharedArrayBuffer view',
    (f) => f.live.client.send(shared()),
  ],
  [
    'conn.send(data, options)',
    'options.signal',
    'aborted signal',
    (f) => f.live.client.send('x', { signal: aborted() }),
  ],
  ['conn.send(data, options)', '(the connection)', 'closed connection', (f) => f.closed.send('x')],
  ['conn.trySend(data, options)', 'data', 'wrong type', (f) => f.live.client.trySend(42 as never)],
  [
    'conn.trySend(data, options)',
    '(the connection)',
    'closed connection',
    (f) => f.closed.trySend('x'),
  ],
  ['conn.tryReceive(into)', 'into', 'wrong type', (f) => f.live.server.tryReceive(null as never)],
  ['conn.tryReceive(into)', 'into', 'empty', (f) => f.live.server.tryReceive(new Uint8Array(0))],
  [
    'conn.tryReceive(into)',
    '(the connection)',
    'closed connection',
    (f) => f.closed.tryReceive(new Uint8Array(4)),
  ],
  ['conn.tryReceive(into)', 'into', 'detached buffer', (f) => f.live.server.tryReceive(detached())],
  [
    'conn.trySend(data, options)',
    'data',
    'detached buffer',
    (f) => f.live.client.trySend(detached()),
  ],
  ['conn.tryRead(maxBytes)', 'maxBytes', 'negative', (f) => f.live.server.tryRead(-1)],
  ['conn.tryRead(maxBytes)', 'maxBytes', 'NaN', (f) => f.live.server.tryRead(NaN)],
  ['conn.tryRead(maxBytes)', 'maxBytes', 'fractional', (f) => f.live.server.tryRead(1.5)],
  ['conn.tryRead(maxBytes)', 'maxBytes', 'wrong type', (f) => f.live.server.tryRead('1' as never)],
  ['conn.unshift(chunk)', 'chunk', 'detached buffer', (f) => f.live.server.unshift(detached())],
  ['conn.unshift(chunk)', 'chunk', 'wrong type', (f) => f.live.server.unshift('x' as never)],
  [
    'conn.unshift(chunk)',
    '(the connection)',
    'closed connection',
    (f) => f.closed.unshift(new Uint8Array(1)),
  ],
  [
    'conn.flush(options)',
    'options.signal',
    'aborted signal',
    (f) => f.live.client.flush({ signal: aborted() }),
  ],
  [
    'conn.flush(options)',
    'options.signal',
    'wrong type',
    (f) => f.live.client.flush({ signal: {} as never }),
  ],
  ['conn.shutdown(how)', 'how', 'wrong type', (f) => f.live.client.shutdown(1 as never)],
  [
    'conn.shutdown(how)',
    'how',
    'unknown value',
    (f) => f.live.client.shutdown('sideways' as never),
  ],
  ['conn.close(options)', 'options', 'wrong type', (f) => f.live.client.close('now' as never)],
  [
    'conn.close(options)',
    'options.signal',
    'wrong type',
    (f) => f.live.client.close({ signal: 5 as never }),
  ],
  [
    'conn.setNoDelay(noDelay)',
    'noDelay',
    'wrong type',
    (f) => f.live.client.setNoDelay('yes' as never),
  ],
  [
    'conn.startTls(options, operation)',
    'options',
    'wrong type',
    (f) => f.live.client.startTls(7 as never),
  ],
  [
    'conn.startTls(options, operation)',
    'operation.signal',
    'aborted signal',
    (f) => f.live.client.startTls({}, { signal: aborted() }),
  ],
  [
    'conn.startTls(options, operation)',
    '(the connection)',
    'closed connection',
    (f) => f.closed.startTls({}),
  ],
  // --- core: Listener --------------------------------------------------------------------
  [
    'listener.accept(options)',
    'options.signal',
    'wrong type',
    (f) => f.live.listener.accept({ signal: 'x' as never }),
  ],
  [
    'listener.accept(options)',
    'options.signal',
    'aborted signal',
    (f) => f.live.listener.accept({ signal: aborted() }),
  ],
  ['listener.accept(options)', '(the listener)', 'closed listener', (f) => f.listener.accept()],
  // --- core: datagrams ------------------------------------------------------------------
  ['bind(on, options)', 'on', 'wrong type', () => bind('localhost:53' as never)],
  ['bind(on, options)', 'on.path', 'unknown value', () => bind({ path: '/tmp/x' } as never)],
  ['bind(on, options)', 'on.port', 'too large', () => bind({ port: 65536 })],
  ['bind(on, options)', 'on.port', 'fractional', () => bind({ port: 0.5 })],
  [
    'bind(on, options)',
    'options.receiveQueueSize',
    'negative',
    () => bind({ port: 0 }, { receiveQueueSize: -1 }),
  ],
  [
    'bind(on, options)',
    'options.receiveQueueSize',
    'NaN',
    () => bind({ port: 0 }, { receiveQueueSize: NaN }),
  ],
  [
    'bind(on, options)',
    'options.multicastMembership',
    'unknown value',
    () => bind({ port: 0 }, { multicastMembership: ['nowhere'] }),
  ],
  [
    'bind(on, options)',
    'options.multicastTtl',
    'too large',
    () => bind({ port: 0 }, { multicastTtl: 256 }),
  ],
  [
    'bind(on, options)',
    'options.reuseAddr',
    'wrong type',
    () => bind({ port: 0 }, { reuseAddr: 'yes' as never }),
  ],
  [
    'bind(on, options)',
    'options.signal',
    'aborted signal',
    () => bind({ port: 0 }, { signal: aborted() }),
  ],
  [
    'udp.send(data, to, options)',
    'data',
    'wrong type',
    (f) => f.udp.send(42 as never, { port: 9 }),
  ],
  [
    'udp.send(data, to, options)',
    'data',
    'detached buffer',
    (f) => f.udp.send(detached(), { port: 9 }),
  ],
  [
    'udp.send(data, to, options)',
    'data',
    'SharedArrayBuffer view',
    (f) => f.udp.send(shared(), f.udp.address),
  ],
  ['udp.send(data, to, options)', 'to', 'missing', (f) => f.udp.send('x')],
  ['udp.send(data, to, options)', 'to.port', 'negative', (f) => f.udp.send('x', { port: -1 })],
  [
    'udp.send(data, to, options)',
    'to.host',
    'wrong type',
    (f) => f.udp.send('x', { host: 1 as never, port: 9 }),
  ],
  [
    'udp.send(data, to, options)',
    'options.signal',
    'aborted signal',
    (f) => f.udp.send('x', { port: 9 }, { signal: aborted() }),
  ],
  [
    'udp.send(data, to, options)',
    '(the socket)',
    'closed socket',
    (f) => f.closedUdp.send('x', { port: 9 }),
  ],
  ['tryBind(on, options)', 'on.port', 'too large', () => tryBind({ port: 65536 })],
  [
    'tryBind(on, options)',
    'options.receiveQueueSize',
    'negative',
    () => tryBind({ port: 0 }, { receiveQueueSize: -1 }),
  ],
  [
    'tryBind(on, options)',
    'options.signal',
    'aborted signal',
    () => tryBind({ port: 0 }, { signal: aborted() }),
  ],
  [
    'udp.trySend(data, to, options)',
    'data',
    'wrong type',
    (f) => f.udp.trySend(42 as never, { port: 9 }),
  ],
  ['udp.trySend(data, to, options)', 'to', 'missing', (f) => f.udp.trySend('x')],
  [
    'udp.trySend(data, to, options)',
    'to.port',
    'negative',
    (f) => f.udp.trySend('x', { port: -1 }),
  ],
  [
    'udp.trySend(data, to, options)',
    '(the socket)',
    'closed socket',
    (f) => f.closedUdp.trySend('x', { port: 9 }),
  ],
  ['udp.tryReceive(into)', 'into', 'wrong type', (f) => f.udp.tryReceive(42 as never)],
  ['udp.tryReceive(into)', 'into', 'detached buffer', (f) => f.udp.tryReceive(detached())],
  ['udp.tryReceive(into)', '(the socket)', 'closed socket', (f) => f.closedUdp.tryReceive()],
  [
    'udp.receive(options)',
    'options.signal',
    'wrong type',
    (f) => f.udp.receive({ signal: 'x' as never }),
  ],
  [
    'udp.receive(options)',
    'options.signal',
    'aborted signal',
    (f) => f.udp.receive({ signal: aborted() }),
  ],
  ['udp.receive(options)', '(the socket)', 'closed socket', (f) => f.closedUdp.receive()],
  ['udp.receive(into, options)', 'into', 'detached buffer', (f) => f.udp.receive(detached())],
  [
    'udp.datagrams(options)',
    'options.signal',
    'wrong type',
    (f) => f.udp.datagrams({ signal: 3 as never }),
  ],
  ['udp.connect(to, options)', 'to.port', 'too large', (f) => f.udp.connect({ port: 65536 })],
  ['udp.connect(to, options)', 'to', 'wrong type', (f) => f.udp.connect(null as never)],
  [
    'udp.connect(to, options)',
    '(the socket)',
    'closed socket',
    (f) => f.closedUdp.connect({ port: 9 }),
  ],
  // --- streams ---------------------------------------------------------------------------
  ['readExactly(conn, n, options)', 'conn', 'wrong type', () => readExactly({} as never, 4)],
  ['readExactly(conn, n, options)', 'n', 'negative', (f) => readExactly(f.live.server, -1)],
  ['readExactly(conn, n, options)', 'n', 'NaN', (f) => readExactly(f.live.server, NaN)],
  ['readExactly(conn, n, options)', 'n', 'fractional', (f) => readExactly(f.live.server, 1.5)],
  ['readExactly(conn, n, options)', 'n', 'too large', (f) => readExactly(f.live.server, 2 ** 53)],
  [
    'readExactly(conn, n, options)',
    'options.frameTimeout',
    'negative',
    (f) => readExactly(f.live.server, 1, { frameTimeout: -1 }),
  ],
  [
    'readExactly(conn, n, options)',
    'options.signal',
    'aborted signal',
    (f) => readExactly(f.live.server, 1, { signal: aborted() }),
  ],
  [
    'readExactly(conn, n, options)',
    '(the connection)',
    'closed connection',
    (f) => readExactly(f.closed, 1),
  ],
  [
    'readUntil(conn, delimiter, options)',
    'delimiter',
    'wrong type',
    (f) => readUntil(f.live.server, 10 as never),
  ],
  [
    'readUntil(conn, delimiter, options)',
    'delimiter',
    'empty',
    (f) => readUntil(f.live.server, ''),
  ],
  [
    'readUntil(conn, delimiter, options)',
    'options.maxBytes',
    'negative',
    (f) => readUntil(f.live.server, '\n', { maxBytes: -1 }),
  ],
  [
    'readUntil(conn, delimiter, options)',
    'options.maxBytes',
    'NaN',
    (f) => readUntil(f.live.server, '\n', { maxBytes: NaN }),
  ],
  [
    'readUntil(conn, delimiter, options)',
    'options.frameTimeout',
    'fractional',
    (f) => readUntil(f.live.server, '\n', { frameTimeout: 0.5 }),
  ],
  [
    'readUntil(conn, delimiter, options)',
    'options.signal',
    'aborted signal',
    (f) => readUntil(f.live.server, '\n', { signal: aborted() }),
  ],
  [
    'readUntil(conn, delimiter, options)',
    '(the connection)',
    'closed connection',
    (f) => readUntil(f.closed, '\n'),
  ],
  ['lines(conn, options)', 'conn', 'wrong type', () => lines(null as never)],
  [
    'lines(conn, options)',
    'options.maxLineLength',
    'negative',
    (f) => lines(f.live.server, { maxLineLength: -1 }),
  ],
  [
    'lines(conn, options)',
    'options.maxLineLength',
    'fractional',
    (f) => lines(f.live.server, { maxLineLength: 2.5 }),
  ],
  [
    'lines(conn, options)',
    'options.signal',
    'aborted signal',
    (f) => lines(f.live.server, { signal: aborted() }).next(),
  ],
  ['lines(conn, options)', '(the connection)', 'closed connection', (f) => lines(f.closed).next()],
  [
    'messages(conn, options)',
    'options.header',
    'unknown value',
    (f) => messages(f.live.server, { header: 'u24' as never }),
  ],
  [
    'messages(conn, options)',
    'options.maxMessageBytes',
    'negative',
    (f) => messages(f.live.server, { maxMessageBytes: -1 }),
  ],
  [
    'messages(conn, options)',
    'options.maxMessageBytes',
    'too large',
    (f) => messages(f.live.server, { header: 'u8', maxMessageBytes: 256 }),
  ],
  [
    'messages(conn, options)',
    'options.signal',
    'aborted signal',
    (f) => messages(f.live.server, { signal: aborted() }).next(),
  ],
  [
    'sendMessage(conn, payload, options)',
    'payload',
    'wrong type',
    (f) => sendMessage(f.live.client, 42 as never),
  ],
  [
    'sendMessage(conn, payload, options)',
    'payload',
    'too large',
    (f) => sendMessage(f.live.client, new Uint8Array(256), { header: 'u8' }),
  ],
  [
    'sendMessage(conn, payload, options)',
    'payload',
    'detached buffer',
    (f) => sendMessage(f.live.client, detached()),
  ],
  [
    'sendMessage(conn, payload, options)',
    'options.signal',
    'aborted signal',
    (f) => sendMessage(f.live.client, 'x', { signal: aborted() }),
  ],
  [
    'sendMessage(conn, payload, options)',
    '(the connection)',
    'closed connection',
    (f) => sendMessage(f.closed, 'x'),
  ],
  ['toReadableStream(conn)', 'conn', 'wrong type', () => toReadableStream({} as never)],
  ['toWritableStream(conn)', 'conn', 'wrong type', () => toWritableStream(null as never)],
  ['toDuplex(conn, options)', 'conn', 'wrong type', () => toDuplex(42 as never)],
  // --- compat ----------------------------------------------------------------------------
  [
    'new Socket(family, type, protocol)',
    'family',
    'unknown value',
    () => new Socket(12345 as never, SocketType.Stream, ProtocolType.Tcp),
  ],
  ['socket.bind(localEP)', 'localEP', 'null', () => socket().bind(null as never)],
  [
    'socket.listen(backlog)',
    'backlog',
    'fractional',
    () => {
      const s = socket();
      s.bind(new IPEndPoint(IPAddress.Loopback, 0));
      s.listen(1.5);
    },
  ],
  ['socket.listen(backlog)', 'backlog', 'wrong type', () => socket().listen('1' as never)],
  ['socket.acceptAsync(e)', 'e', 'null', () => socket().acceptAsync(null as never)],
  ['socket.connectAsync(e)', 'e', 'null', () => socket().connectAsync(null as never)],
  [
    'socket.connectAsync(e)',
    'e.remoteEndPoint',
    'null',
    () => socket().connectAsync(new SocketAsyncEventArgs()),
  ],
  ['socket.receiveAsync(e)', 'e', 'null', () => socket().receiveAsync(null as never)],
  ['socket.sendAsync(e)', 'e', 'null', () => socket().sendAsync(null as never)],
  [
    'socket.receiveAsync(e)',
    '(the socket)',
    'closed socket',
    () => {
      const s = socket();
      s.close();
      return s.receiveAsync(new SocketAsyncEventArgs());
    },
  ],
  ['socket.shutdown(how)', 'how', 'unknown value', () => socket().shutdown(7 as SocketShutdown)],
  [
    'new Socket(family, type, protocol)',
    'protocol',
    'unknown value',
    () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Tcp),
  ],
  ['socket.sendToAsync(e)', 'e', 'null', () => dgramSocket().sendToAsync(null as never)],
  [
    'socket.sendToAsync(e)',
    'e.remoteEndPoint',
    'null',
    () => dgramSocket().sendToAsync(new SocketAsyncEventArgs()),
  ],
  [
    'socket.sendToAsync(e)',
    'e.remoteEndPoint',
    'wrong type',
    () => dgramSocket().sendToAsync(withRemote(new DnsEndPoint('localhost', 9))),
  ],
  ['socket.receiveFromAsync(e)', 'e', 'null', () => dgramSocket().receiveFromAsync(null as never)],
  [
    'socket.receiveFromAsync(e)',
    'e.remoteEndPoint',
    'null',
    () => dgramSocket().receiveFromAsync(new SocketAsyncEventArgs()),
  ],
  [
    'socket.receiveFromAsync(e)',
    'e.remoteEndPoint',
    'unknown value',
    () => dgramSocket().receiveFromAsync(withRemote(new IPEndPoint(IPAddress.IPv6Any, 0))),
  ],
  [
    'socket.receiveFromAsync(e)',
    '(the socket)',
    'closed socket',
    () => {
      const s = dgramSocket();
      s.close();
      return s.receiveFromAsync(withRemote(new IPEndPoint(IPAddress.Any, 0)));
    },
  ],
  [
    'e.setBuffer(buffer, offset, count)',
    'offset',
    'negative',
    () => new SocketAsyncEventArgs().setBuffer(new Uint8Array(8), -1, 2),
  ],
  [
    'e.setBuffer(buffer, offset, count)',
    'count',
    'too large',
    () => new SocketAsyncEventArgs().setBuffer(new Uint8Array(8), 4, 5),
  ],
  [
    'e.setBuffer(buffer, offset, count)',
    'count',
    'NaN',
    () => new SocketAsyncEventArgs().setBuffer(new Uint8Array(8), 0, NaN),
  ],
  [
    'e.setBuffer(buffer, offset, count)',
    'buffer',
    'wrong type',
    () => new SocketAsyncEventArgs().setBuffer('x' as never, 0, 1),
  ],
  [
    'new SocketAsyncEventArgsPool(capacity)',
    'capacity',
    'negative',
    () => new SocketAsyncEventArgsPool(-1),
  ],
  ['pool.push(item)', 'item', 'null', () => new SocketAsyncEventArgsPool(1).push(null as never)],
  [
    'new BufferManager(totalBytes, bufferSize)',
    'totalBytes',
    'negative',
    () => new BufferManager(-1, 10),
  ],
  [
    'new BufferManager(totalBytes, bufferSize)',
    'bufferSize',
    'negative',
    () => new BufferManager(10, -1),
  ],
  [
    'bufferManager.setBuffer(args)',
    'args',
    'null',
    () => new BufferManager(10, 10).setBuffer(null as never),
  ],
  [
    'bufferManager.freeBuffer(args)',
    'args',
    'null',
    () => new BufferManager(10, 10).freeBuffer(null as never),
  ],
  ['IPAddress.parse(text)', 'text', 'null', () => IPAddress.parse(null as never)],
  ['IPAddress.parse(text)', 'text', 'unknown value', () => IPAddress.parse('not an address')],
  ['IPAddress.isLoopback(address)', 'address', 'null', () => IPAddress.isLoopback(null as never)],
  [
    'new IPEndPoint(address, port)',
    'port',
    'negative',
    () => new IPEndPoint(IPAddress.Loopback, -1),
  ],
  [
    'new IPEndPoint(address, port)',
    'port',
    'too large',
    () => new IPEndPoint(IPAddress.Loopback, 65536),
  ],
  ['new IPEndPoint(address, port)', 'address', 'null', () => new IPEndPoint(null as never, 80)],
  ['new DnsEndPoint(host, port)', 'host', 'null', () => new DnsEndPoint(null as never, 80)],
  ['new DnsEndPoint(host, port)', 'port', 'too large', () => new DnsEndPoint('localhost', 70000)],
  [
    'new ArraySegment(array, offset, count)',
    'offset',
    'negative',
    () => new ArraySegment(new Uint8Array(4), -1, 1),
  ],
  [
    'new ArraySegment(array, offset, count)',
    'array',
    'null',
    () => new ArraySegment(null as never, 0, 0),
  ],
];

/** What a call did: threw, rejected, resolved, or returned a value synchronously. */
async function observe(case_: Case): Promise<{ how: string; name: string; code: string }> {
  const f = await fixturesFor(case_[3]);
  let result: unknown;
  try {
    result = case_[3](f);
  } catch (err) {
    return { how: 'throws', ...named(err) };
  }
  if (!(result instanceof Promise)) return { how: 'returns', name: '', code: '' };
  try {
    await result;
    return { how: 'resolves', name: '', code: '' };
  } catch (err) {
    return { how: 'rejects', ...named(err) };
  }
}

function named(err: unknown): { name: string; code: string } {
  if (err === REASON) return { name: 'signal.reason', code: '' };
  const e = err as { constructor?: { name?: string }; code?: string | number };
  const code = e.code === undefined ? '' : String(e.code);
  return { name: e.constructor?.name ?? typeof err, code };
}

const cell = (x: string): string => (x === '' ? '—' : `\`${x}\``);

describe('docs/errors.md: the bad-input table', () => {
  if (process.env.BAD_INPUT_PRINT) {
    it('prints the observed rows', async () => {
      const rows: string[] = [];
      for (const c of CASES) {
        const o = await observe(c);
        rows.push(
          `| \`${c[0]}\` | \`${c[1]}\` | ${c[2]} | ${o.how} | ${cell(o.name)} | ${cell(o.code)} |`,
        );
      }
      console.log(rows.join('\n'));
      expect(rows.length).toBe(CASES.length);
    });
    return;
  }
  it('every case has a row and every row a case, and each does what its row says', async () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Bad input, call by call'));
    const rows = new Map<string, string[]>();
    for (const line of section.split('\n')) {
      const cells = line.split('|').map((x) => x.trim());
      if (cells.length !== 8 || !cells[1]?.startsWith('`')) continue;
      const [call, arg, kind, how, name, code] = cells.slice(1, 7);
      rows.set(`${call} ${arg} ${kind}`, [how as string, name as string, code as string]);
    }
    const seen = new Set<string>();
    const wrong: string[] = [];
    for (const c of CASES) {
      const key = `\`${c[0]}\` \`${c[1]}\` ${c[2]}`;
      seen.add(key);
      const row = rows.get(key);
      if (row === undefined) {
        wrong.push(`no row for ${key}`);
        continue;
      }
      const o = await observe(c);
      const got = [o.how, cell(o.name), cell(o.code)];
      if (got.join('|') !== row.join('|')) {
        wrong.push(`${key}: the table says ${row.join(' ')}, the call ${got.join(' ')}`);
      }
    }
    for (const key of rows.keys()) if (!seen.has(key)) wrong.push(`no case for the row ${key}`);
    expect(wrong).toEqual([]);
    expect(rows.size).toBe(CASES.length);
  });
});
