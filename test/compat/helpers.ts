// Helpers for the compat tests: connected socket pairs and a promise for the next 'completed'.
import { once } from 'node:events';
import * as net from 'node:net';
import {
  AddressFamily,
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketError,
  SocketType,
} from '../../src/compat/index.js';

export function tcp(family = AddressFamily.InterNetwork): Socket {
  return new Socket(family, SocketType.Stream, ProtocolType.Tcp);
}

/** Resolves with the args on the next 'completed' (and the sender). */
export function completion(
  e: SocketAsyncEventArgs,
): Promise<{ sender: Socket; e: SocketAsyncEventArgs }> {
  return new Promise((resolve) =>
    e.once('completed', (sender, args) => resolve({ sender, e: args })),
  );
}

/** Runs an operation and waits for it whichever way it completes. */
export async function run(
  op: (e: SocketAsyncEventArgs) => boolean,
  e: SocketAsyncEventArgs,
): Promise<SocketAsyncEventArgs> {
  const done = completion(e);
  if (op(e)) await done;
  else e.removeAllListeners('completed');
  return e;
}

export function args(size = 64): SocketAsyncEventArgs {
  const e = new SocketAsyncEventArgs();
  e.setBuffer(new Uint8Array(size), 0, size);
  return e;
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(e: SocketAsyncEventArgs): string {
  const b = e.memoryBuffer as Uint8Array;
  return Buffer.from(b.subarray(e.offset, e.offset + e.bytesTransferred)).toString();
}

export interface CompatPair {
  client: Socket;
  server: Socket;
  listener: Socket;
  [Symbol.dispose](): void;
}

/** A listening compat socket on loopback, port 0, already bound. */
export async function listening(family = AddressFamily.InterNetwork): Promise<Socket> {
  const l = tcp(family);
  l.bind(
    new IPEndPoint(
      family === AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback,
      0,
    ),
  );
  await l.listenAsync();
  return l;
}

/** A connected client/server pair of compat sockets. */
export async function compatPair(): Promise<CompatPair> {
  const listener = await listening();
  const client = tcp();
  const c = new SocketAsyncEventArgs();
  c.remoteEndPoint = listener.localEndPoint;
  const a = new SocketAsyncEventArgs();
  const [connected, accepted] = await Promise.all([
    run((e) => client.connectAsync(e), c),
    run((e) => listener.acceptAsync(e), a),
  ]);
  if (
    connected.socketError !== SocketError.Success ||
    accepted.socketError !== SocketError.Success
  ) {
    throw new Error(
      `pair failed: ${SocketError[connected.socketError]} ${SocketError[accepted.socketError]}`,
    );
  }
  const server = accepted.acceptSocket as Socket;
  return {
    client,
    server,
    listener,
    [Symbol.dispose]() {
      client.close(0);
      server.close(0);
      listener.close();
    },
  };
}

export function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error('condition not met in time'));
      else setTimeout(tick, 2);
    };
    tick();
  });
}

/**
 * A listener in another process whose event loop never runs again, with a backlog of 0:
 * once `fill` connections are queued, further connects stay pending (the kernel drops their
 * SYNs), which is how a test gets a connect that neither succeeds nor fails.
 */
export async function stalledListener(): Promise<{
  port: number;
  fill(): Promise<void>;
  close(): void;
}> {
  const { spawn } = await import('node:child_process');
  const net = await import('node:net');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 0 }, () => {
         process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  const fillers: import('node:net').Socket[] = [];
  return {
    port,
    async fill() {
      // The accept queue of a backlog-0 listener holds one connection.
      const s = net.connect({ port, host: '127.0.0.1' });
      fillers.push(s);
      await new Promise((resolve, reject) => s.once('connect', resolve).once('error', reject));
    },
    close() {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
    },
  };
}

/** The error `f` throws (fails the test when it throws nothing). */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

/**
 * Resolves after `n` turns of the event loop. Each turn polls for I/O and runs every callback
 * and microtask: compat raises 'completed' from promise callbacks and microtasks, never from
 * timers, so a few turns are long enough for a stray event to show; and libuv accepts one
 * waiting connection per turn.
 */
export async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** A compat socket connected to a raw node:net peer (which can reset). */
export async function rawPeer(): Promise<{ socket: Socket; peer: net.Socket; close(): void }> {
  const server = net.createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = tcp();
  const e = new SocketAsyncEventArgs();
  e.remoteEndPoint = new IPEndPoint('127.0.0.1', (server.address() as net.AddressInfo).port);
  const [[peer]] = await Promise.all([
    once(server, 'connection') as Promise<[net.Socket]>,
    run((x) => socket.connectAsync(x), e),
  ]);
  return {
    socket,
    peer,
    close() {
      socket.close(0);
      peer.destroy();
      server.close();
    },
  };
}
