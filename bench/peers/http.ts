// The tiny HTTP/1.1 keep-alive server of issue 23 ("Hello, World!", a parser that finds each
// request head's `\r\n\r\n`), on every layer, for `wrk` to load (the bench's servers section):
//
//   http-server <impl>   listen on port 0, serve until SIGTERM; SIGUSR2 starts the measured
//                        window (after wrk's warm-up); SIGTERM prints the window's RESULT
//                        (requests answered, the main thread's exact CPU) and exits.
//
// Implementations:
//   raw        node:net, one write for all the complete requests of a 'data' chunk
//   raw-each   node:net, one write() per response
//   raw-awaits the natural loop's floor: raw, but each request handed through the two awaited
//              promises the loop cannot do without (readUntil's frame view, send()'s count),
//              one write per chunk: what any promise-returning framing API costs at least
//   node-http  node:http
//   core       sockflow core: receive(into), the same parser, one send() per chunk's answers
//   streams    sockflow/streams, the natural loop: readUntil() a head, send() its response
//   compat     sockflow/compat: receiveAsync/sendAsync in the .NET style (a loop over
//              synchronous completions, one send per received block's answers)
import * as http from 'node:http';
import * as net from 'node:net';
import { listen, type Connection } from 'sockflow';
import {
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketError,
  SocketShutdown,
  SocketType,
} from 'sockflow/compat';
import { readUntil } from 'sockflow/streams';
import { measure } from './common.js';

const BODY = 'Hello, World!';
const RESPONSE = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nContent-Type: text/plain\r\n\r\n${BODY}`,
);
/** The most heads one request may have (the streams loop's maxBytes). */
const MAX_HEAD = 16 * 1024;
/** Answers prebuilt for a chunk's batch of requests: k responses are its first k × length bytes. */
const ANSWERS = Buffer.concat(Array.from({ length: 64 }, () => RESPONSE));
const CRLFCRLF = Buffer.from('\r\n\r\n');

let requests = 0;

/** Counts the complete request heads in `pending + chunk`; returns the bytes left over. */
function parse(pending: Buffer | null, chunk: Buffer): { n: number; rest: Buffer | null } {
  const b = pending === null ? chunk : Buffer.concat([pending, chunk]);
  let at = 0;
  let n = 0;
  for (let i; (i = b.indexOf(CRLFCRLF, at)) >= 0; at = i + 4) n++;
  if (b.length - at > MAX_HEAD) throw new Error('request head too large');
  return { n, rest: at < b.length ? b.subarray(at) : null };
}

/** `n` responses as one buffer (a view of the prebuilt ones when they suffice). */
function answers(n: number): Buffer {
  if (n * RESPONSE.length <= ANSWERS.length) return ANSWERS.subarray(0, n * RESPONSE.length);
  return Buffer.concat(Array.from({ length: n }, () => RESPONSE));
}

function serveRaw(each: boolean): Promise<number> {
  const server = net.createServer({ noDelay: true }, (s) => {
    let pending: Buffer | null = null;
    s.on('data', (chunk: Buffer) => {
      const { n, rest } = parse(pending, chunk);
      pending = rest;
      requests += n;
      if (each) for (let i = 0; i < n; i++) s.write(RESPONSE);
      else if (n > 0) s.write(answers(n));
    });
    s.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

const SENT = Promise.resolve(RESPONSE.length);

/** A raw connection and the start of a request head split across chunks. */
interface RawConnection {
  readonly s: net.Socket;
  pending: Buffer | null;
}

/**
 * The raw server's parse of a chunk, each request head awaited twice as the natural loop
 * does, then one write. Only resolved promises are awaited, so it ends before the next
 * 'data' event (which reads `pending`).
 */
async function awaitEach(c: RawConnection, b: Buffer): Promise<void> {
  let at = 0;
  let n = 0;
  for (let i; (i = b.indexOf(CRLFCRLF, at)) >= 0; at = i + 4) {
    await Promise.resolve(new Uint8Array(b.buffer, b.byteOffset + at, i - at)); // readUntil()
    await SENT; // send()
    n++;
  }
  if (b.length - at > MAX_HEAD) c.s.destroy();
  c.pending = at < b.length ? b.subarray(at) : null;
  requests += n;
  if (n > 0) c.s.write(answers(n));
}

function serveRawAwaits(): Promise<number> {
  const server = net.createServer({ noDelay: true }, (s) => {
    const c: RawConnection = { s, pending: null };
    s.on('data', (chunk: Buffer) => {
      void awaitEach(c, c.pending === null ? chunk : Buffer.concat([c.pending, chunk]));
    });
    s.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

function serveNodeHttp(): Promise<number> {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
    requests++;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length });
    res.end(BODY);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

async function serveSockflow(impl: 'core' | 'streams'): Promise<number> {
  const listener = await listen({ host: '127.0.0.1', port: 0 });
  void (async () => {
    for await (const conn of listener) void (impl === 'core' ? core(conn) : streams(conn));
  })();
  return (listener.address as { port: number }).port;
}

/** The core: receive(into), the hand parser, one send for a block's answers. */
async function core(conn: Connection): Promise<void> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  let pending: Buffer | null = null;
  try {
    for (let got; (got = await conn.receive(buf)) > 0;) {
      // The leftover must survive the next receive into buf: copied when kept.
      const { n, rest } = parse(pending, buf.subarray(0, got));
      pending = rest === null ? null : Buffer.from(rest);
      requests += n;
      if (n > 0) await conn.send(answers(n));
    }
  } catch {
    // The client went away.
  } finally {
    await conn.close().catch(() => {});
  }
}

/** The natural loop, exactly as the README teaches it. */
async function streams(conn: Connection): Promise<void> {
  try {
    for (;;) {
      await readUntil(conn, '\r\n\r\n', { maxBytes: MAX_HEAD }); // one request head
      requests++;
      await conn.send(RESPONSE); // its response
    }
  } catch {
    // EOF (FrameTruncatedError) or the client went away.
  } finally {
    await conn.close().catch(() => {});
  }
}

/** .NET style: accept loop and per-connection receive/send loops over synchronous completions. */
async function serveCompat(): Promise<number> {
  const listener = new Socket(
    IPAddress.Loopback.addressFamily,
    SocketType.Stream,
    ProtocolType.Tcp,
  );
  listener.bind(new IPEndPoint(IPAddress.Loopback, 0));
  await listener.listenAsync(512);
  const accept = new SocketAsyncEventArgs();
  const startAccept = (): void => {
    for (;;) {
      accept.acceptSocket = null;
      if (listener.acceptAsync(accept)) return;
      if (!accepted(accept)) return;
    }
  };
  const accepted = (e: SocketAsyncEventArgs): boolean => {
    if (e.socketError !== SocketError.Success)
      return e.socketError !== SocketError.OperationAborted;
    new CompatClient(e.acceptSocket as Socket).serve();
    return true;
  };
  accept.on('completed', (_s, e) => {
    if (accepted(e)) startAccept();
  });
  startAccept();
  return (listener.localEndPoint as IPEndPoint).port;
}

class CompatClient {
  readonly #socket: Socket;
  readonly #rx = new SocketAsyncEventArgs();
  readonly #tx = new SocketAsyncEventArgs();
  readonly #buf = Buffer.allocUnsafe(64 * 1024);
  #pending: Buffer | null = null;

  constructor(socket: Socket) {
    this.#socket = socket;
    this.#rx.setBuffer(this.#buf, 0, this.#buf.length);
    this.#rx.on('completed', () => {
      if (this.#received()) this.serve();
    });
    this.#tx.on('completed', () => {
      if (this.#tx.socketError === SocketError.Success) this.serve();
      else this.#end();
    });
  }

  /** Receive, answer, receive again, while operations complete synchronously. */
  serve(): void {
    for (;;) {
      if (this.#socket.receiveAsync(this.#rx)) return;
      if (!this.#received()) return;
    }
  }

  /** After a receive: answers its requests; true when the loop may receive again. */
  #received(): boolean {
    const e = this.#rx;
    if (e.socketError !== SocketError.Success || e.bytesTransferred === 0) {
      this.#end();
      return false;
    }
    const { n, rest } = parse(this.#pending, this.#buf.subarray(0, e.bytesTransferred));
    this.#pending = rest === null ? null : Buffer.from(rest);
    requests += n;
    if (n === 0) return true;
    const out = answers(n);
    this.#tx.setBuffer(out, 0, out.length);
    if (this.#socket.sendAsync(this.#tx)) return false;
    if (this.#tx.socketError === SocketError.Success) return true;
    this.#end();
    return false;
  }

  #end(): void {
    try {
      this.#socket.shutdown(SocketShutdown.Send);
    } catch {
      // Gone already.
    }
    this.#socket.close();
  }
}

export async function httpServer(impl: string): Promise<void> {
  const port =
    impl === 'raw' || impl === 'raw-each'
      ? await serveRaw(impl === 'raw-each')
      : impl === 'raw-awaits'
        ? await serveRawAwaits()
        : impl === 'node-http'
          ? await serveNodeHttp()
          : impl === 'core' || impl === 'streams'
            ? await serveSockflow(impl)
            : impl === 'compat'
              ? await serveCompat()
              : undefined;
  if (port === undefined) throw new Error(`unknown http server ${impl}`);
  let done: ReturnType<typeof measure> | undefined;
  let from = 0;
  process.on('SIGUSR2', () => {
    from = requests;
    done = measure();
  });
  process.on('SIGTERM', () => {
    done?.({ bytes: 0, messages: requests - from });
    process.exit(0);
  });
  process.stdout.write(`PORT ${port}\n`);
}
