// Many concurrent connections, one echo each: how fast a server takes a burst of connects, and
// what an idle connection with a pending receive costs it.
//
//   conn-server <impl> <n>          listen (each implementation's default backlog; floor:
//                                   sockflow's, with nothing built until all n are in), echo one
//                                   message per connection, then hold it idle with a receive
//                                   pending; once n have echoed, measure heap and RSS per
//                                   connection (run with --expose-gc), print the result, and
//                                   send one more byte on each connection: the client's signal
//                                   that it may close
//   conn-client <port> <n> <size>   open n connections at once, send one message on each, wait
//                                   for every echo; print connect and echo times; close each
//                                   connection once the server's extra byte arrives
import * as net from 'node:net';
import { once } from 'node:events';
import { DEFAULT_BACKLOG, listen, type Connection } from 'sockflow';
import { measure, now, printPort } from './common.js';

function memory(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

export async function connServer(impl: string, n: number): Promise<void> {
  const before = memory();
  let echoed = 0;
  let closed = 0;
  let allEchoed: () => void = () => {};
  const everyoneEchoed = new Promise<void>((r) => (allEchoed = r));
  let allClosed: () => void = () => {};
  const everyoneClosed = new Promise<void>((r) => (allClosed = r));
  const onEcho = (): void => {
    if (++echoed === n) allEchoed();
  };
  const onClosed = (): void => {
    if (++closed === n) allClosed();
  };
  let stop: () => Promise<void>;
  /** Send the extra byte on every connection, once memory is measured. */
  const release: (() => void)[] = [];
  let memoryShown = true;
  if (impl === 'raw' || impl === 'floor') {
    const sockets: net.Socket[] = [];
    release.push(() => {
      for (const s of sockets) s.write('.');
    });
    // Each socket keeps a 'data' listener.
    const serve = (socket: net.Socket): void => {
      let first = true;
      socket.on('data', (chunk: Buffer) => {
        if (!first) return;
        first = false;
        socket.write(chunk);
        sockets.push(socket);
        onEcho();
      });
      socket.on('error', () => {});
      socket.on('close', onClosed);
    };
    const server = net.createServer(serve);
    if (impl === 'raw') {
      // Node's own server, its default backlog (511).
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    } else {
      // The floor: what the client and the kernel allow. sockflow's backlog, and every accepted
      // handle only kept until all have connected (no socket built, nothing read); then each
      // becomes a plain socket for the echo. Its echo time and memory say nothing: not shown.
      memoryShown = false;
      server.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_BACKLOG });
      await once(server, 'listening');
      const handles: object[] = [];
      const slot = (server as unknown as { _handle: { onconnection: unknown } })._handle;
      slot.onconnection = (err: number, handle: object | undefined): void => {
        if (err !== 0 && err !== undefined) throw new Error(`accept failed: ${err}`);
        if (handle === undefined) return;
        handles.push(handle);
        if (handles.length < n) return;
        for (const h of handles) {
          serve(
            new net.Socket({
              handle: h,
              readable: true,
              writable: true,
            } as net.SocketConstructorOpts),
          );
        }
      };
    }
    printPort((server.address() as net.AddressInfo).port);
    stop = () => new Promise((r) => server.close(() => r()));
  } else {
    // sockflow's listener, its default backlog (4096); each connection keeps a read() pending.
    const listener = await listen({ host: '127.0.0.1', port: 0 });
    printPort((listener.address as { port: number }).port);
    const conns: Connection[] = [];
    // Echo the first message; false when the client left first. Its own frame, so the idle
    // connection below holds no reference to the echoed chunk (raw's handler keeps none).
    const echoFirst = async (conn: Connection): Promise<boolean> => {
      const first = await conn.read();
      if (first === null) return false;
      await conn.send(first);
      return true;
    };
    const serve = async (conn: Connection): Promise<void> => {
      try {
        if (await echoFirst(conn)) {
          conns.push(conn);
          onEcho();
          await conn.read(); // idle, a receive pending, until the client leaves
        }
      } catch {
        // The client reset: nothing to serve.
      }
      await conn.close();
      onClosed();
    };
    release.push(() => {
      for (const c of conns) c.send('.').catch(() => undefined);
    });
    void (async () => {
      for await (const conn of listener) void serve(conn);
    })();
    stop = () => listener.close();
  }
  await everyoneEchoed;
  await new Promise((r) => setTimeout(r, 200)); // let the last writes and reads settle
  const after = memory();
  const done = measure();
  done({
    bytes: 0,
    heapPerConnection: memoryShown ? (after.heap - before.heap) / n : Number.NaN,
    rssPerConnection: memoryShown ? (after.rss - before.rss) / n : Number.NaN,
  });
  for (const r of release) r();
  await everyoneClosed;
  await stop();
}

export async function connClient(port: number, n: number, size: number): Promise<void> {
  const message = Buffer.alloc(size, 0x63);
  // The client is not under test: it counts events with one shared listener per phase, not a
  // promise per socket, so that less of the connect time is its own work.
  let pending = n;
  let allDone: () => void = () => {};
  const phase = (): Promise<void> => {
    pending = n;
    return new Promise<void>((r) => (allDone = r));
  };
  const oneDone = (): void => {
    if (--pending === 0) allDone();
  };
  // A connect that fails ends the run (as an unhandled error); later errors are ignored.
  let connecting = true;
  const onError = (err: Error): void => {
    if (connecting) throw err;
  };
  const start = now();
  const connected = phase();
  const sockets: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
    s.on('error', onError);
    s.once('connect', oneDone);
    sockets.push(s);
  }
  await connected;
  connecting = false;
  const connectSeconds = now() - start;
  const echoStart = now();
  const echoed = phase();
  for (const s of sockets) {
    let got = 0;
    const onData = (chunk: Buffer): void => {
      got += chunk.length;
      if (got < size) return;
      s.off('data', onData);
      oneDone();
    };
    s.on('data', onData);
    s.write(message);
  }
  await echoed;
  const echoSeconds = now() - echoStart;
  const done = measure();
  done({ bytes: n * size * 2, connectSeconds, echoSeconds });
  // Hold every connection until the server has measured (its extra byte), then close.
  const closed = phase();
  for (const s of sockets) {
    s.once('data', () => s.end());
    s.once('close', oneDone);
  }
  await closed;
}
