// One side of a benchmark case, run in its own process by bench/run.ts.
//
//   bulk-recv <impl>            listen, print "PORT n", receive until EOF, print a JSON result
//   bulk-send <port> <bytes>    connect with raw net.Socket, send <bytes> in 64 KiB writes, FIN
//   echo <impl>                 listen, print "PORT n", echo one connection until EOF
//   msg-recv <impl>             listen, print "PORT n", decode u32be-framed messages to EOF
//   msg-send <port> <n> <size>  connect with raw net.Socket, send n framed messages of <size>
//   ping <impl> <port> <n> <size>  n round trips of <size> bytes, print a JSON result
//
// <impl> is raw (net.Socket with 'data' handlers), one of sockflow's receive styles: iter
// (for await), read (read()), receive (receive(into) with one reused buffer), or compat
// (sockflow/compat's receiveAsync/sendAsync with one reused SocketAsyncEventArgs each, looping
// on synchronous completions as .NET code does).
import * as net from 'node:net';
import { once } from 'node:events';
import { connect, listen, type Connection } from 'sockflow';
import {
  AddressFamily,
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketAsyncOperation,
  SocketError,
  SocketShutdown,
  SocketType,
} from 'sockflow/compat';

import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { messages, toDuplex, toReadableStream } from 'sockflow/streams';

type Impl = 'raw' | 'iter' | 'read' | 'receive' | 'compat' | 'byob' | 'duplex';

interface Result {
  bytes: number;
  seconds: number;
  userSeconds: number;
  systemSeconds: number;
  roundTrips?: number;
  messages?: number;
}

function now(): number {
  return performance.now() / 1000;
}

function finish(start: number, cpu: NodeJS.CpuUsage, bytes: number, roundTrips?: number): void {
  const seconds = now() - start;
  const used = process.cpuUsage(cpu);
  const result: Result = {
    bytes,
    seconds,
    userSeconds: used.user / 1e6,
    systemSeconds: used.system / 1e6,
    ...(roundTrips === undefined ? {} : { roundTrips }),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

// --- bulk ------------------------------------------------------------------------------------

async function rawListen(): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write(`PORT ${(server.address() as net.AddressInfo).port}\n`);
  return server;
}

// --- compat helpers ---------------------------------------------------------------------------

function compatSocket(): Socket {
  return new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
}

/** Runs one compat operation to completion, whichever way it completes. */
function compatOp(
  op: (e: SocketAsyncEventArgs) => boolean,
  e: SocketAsyncEventArgs,
): Promise<void> {
  return new Promise((resolve) => {
    if (op(e)) e.once('completed', () => resolve());
    else resolve();
  });
}

/** A compat listener on loopback: prints its port, accepts one connection. */
async function compatAccept(): Promise<{ listener: Socket; socket: Socket }> {
  const listener = compatSocket();
  listener.noDelay = true; // passed on to the accepted socket, as the other peers do
  listener.bind(new IPEndPoint(IPAddress.Loopback, 0));
  await listener.listenAsync();
  process.stdout.write(`PORT ${(listener.localEndPoint as IPEndPoint).port}\n`);
  const e = new SocketAsyncEventArgs();
  await compatOp((x) => listener.acceptAsync(x), e);
  return { listener, socket: e.acceptSocket as Socket };
}

/** Receives until EOF with one event args, looping on synchronous completions. */
function compatDrain(socket: Socket): Promise<number> {
  const e = new SocketAsyncEventArgs();
  e.setBuffer(new Uint8Array(64 * 1024), 0, 64 * 1024);
  let bytes = 0;
  return new Promise((resolve) => {
    const take = (): boolean => {
      if (e.bytesTransferred === 0 || e.socketError !== SocketError.Success) {
        resolve(bytes);
        return false;
      }
      bytes += e.bytesTransferred;
      return true;
    };
    const loop = (): void => {
      while (!socket.receiveAsync(e)) if (!take()) return;
    };
    e.on('completed', () => {
      if (take()) loop();
    });
    loop();
  });
}

/** Echoes until EOF: receive, send what came, receive again; synchronous completions loop. */
function compatEcho(socket: Socket): Promise<void> {
  const e = new SocketAsyncEventArgs();
  const buffer = new Uint8Array(64 * 1024);
  e.setBuffer(buffer, 0, buffer.length);
  return new Promise((resolve) => {
    const received = (): boolean => {
      if (e.bytesTransferred === 0 || e.socketError !== SocketError.Success) {
        resolve();
        return false;
      }
      e.setBuffer(0, e.bytesTransferred);
      if (socket.sendAsync(e)) return false;
      return sent();
    };
    const sent = (): boolean => {
      if (e.socketError !== SocketError.Success) {
        resolve();
        return false;
      }
      e.setBuffer(0, buffer.length);
      return true;
    };
    const loop = (): void => {
      while (!socket.receiveAsync(e)) if (!received()) return;
    };
    e.on('completed', (_s, x) => {
      if (x.lastOperation === SocketAsyncOperation.Receive ? received() : sent()) loop();
    });
    loop();
  });
}

/** n round trips of `message`: send, then receive `size` bytes; synchronous completions loop. */
function compatPing(socket: Socket, n: number, message: Uint8Array): Promise<void> {
  const size = message.length;
  const send = new SocketAsyncEventArgs();
  send.setBuffer(message, 0, size);
  const recv = new SocketAsyncEventArgs();
  const buffer = new Uint8Array(size);
  recv.setBuffer(buffer, 0, size);
  let left = n;
  let got = 0;
  return new Promise((resolve, reject) => {
    // One round: send (at once, almost always), then receive until the echo is whole.
    const round = (): void => {
      while (!socket.sendAsync(send) && afterSend());
    };
    const afterSend = (): boolean => {
      if (send.socketError !== SocketError.Success) {
        reject(new Error(`send: ${SocketError[send.socketError]}`));
        return false;
      }
      return receiveRest();
    };
    // True when the echo is whole and the next round should start.
    const receiveRest = (): boolean => {
      for (;;) {
        recv.setBuffer(got, size - got);
        if (socket.receiveAsync(recv)) return false; // continues in the receive's completion
        const next = afterReceive();
        if (next !== 'more') return next === 'round';
      }
    };
    const afterReceive = (): 'more' | 'round' | 'stop' => {
      if (recv.socketError !== SocketError.Success || recv.bytesTransferred === 0) {
        reject(new Error(`receive: ${SocketError[recv.socketError]}`));
        return 'stop';
      }
      got += recv.bytesTransferred;
      if (got < size) return 'more';
      got = 0;
      if (--left === 0) {
        resolve();
        return 'stop';
      }
      return 'round';
    };
    send.on('completed', () => {
      if (afterSend()) round();
    });
    recv.on('completed', () => {
      const next = afterReceive();
      if (next === 'round' || (next === 'more' && receiveRest())) round();
    });
    round();
  });
}

async function bulkRecv(impl: Impl): Promise<void> {
  if (impl === 'compat') {
    const { listener, socket } = await compatAccept();
    const start = now();
    const cpu = process.cpuUsage();
    const bytes = await compatDrain(socket);
    finish(start, cpu, bytes);
    socket.shutdown(SocketShutdown.Both);
    socket.close();
    listener.close();
    return;
  }
  if (impl === 'raw') {
    const server = await rawListen();
    const [socket] = (await once(server, 'connection')) as [net.Socket];
    const start = now();
    const cpu = process.cpuUsage();
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await once(socket, 'end');
    finish(start, cpu, bytes);
    socket.end();
    await once(socket, 'close');
    server.close();
    return;
  }
  const listener = await listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`PORT ${(listener.address as { port: number }).port}\n`);
  const conn = await listener.accept();
  const start = now();
  const cpu = process.cpuUsage();
  let bytes = 0;
  if (impl === 'iter') {
    for await (const chunk of conn) bytes += chunk.length;
  } else if (impl === 'read') {
    for (let c; (c = await conn.read()) !== null;) bytes += c.length;
  } else if (impl === 'byob') {
    const reader = toReadableStream(conn).getReader({ mode: 'byob' });
    let buf = new Uint8Array(64 * 1024);
    for (;;) {
      const { value, done } = await reader.read(buf);
      if (done) break;
      bytes += value.length;
      buf = new Uint8Array(value.buffer); // the same memory, back to us
    }
    reader.releaseLock();
  } else if (impl === 'duplex') {
    await pipeline(
      toDuplex(conn),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          callback();
        },
      }),
    );
  } else {
    const buf = new Uint8Array(64 * 1024);
    for (let n; (n = await conn.receive(buf)) > 0;) bytes += n;
  }
  finish(start, cpu, bytes);
  await conn.close();
  await listener.close();
}

async function bulkSend(port: number, total: number): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await once(socket, 'connect');
  const block = Buffer.alloc(64 * 1024, 0x5a);
  for (let sent = 0; sent < total; sent += block.length) {
    if (!socket.write(block)) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'close');
}

// --- messages --------------------------------------------------------------------------------

/** Decodes u32be-framed messages until EOF: Node's idiom, or sockflow's messages(). */
async function msgRecv(impl: string): Promise<void> {
  let count = 0;
  let bytes = 0;
  if (impl === 'concat-framing') {
    // The framing as it is often written on Node's own iterator: a growing Buffer.concat.
    const server = await rawListen();
    const [socket] = (await once(server, 'connection')) as [net.Socket];
    const start = now();
    const cpu = process.cpuUsage();
    let pending = Buffer.alloc(0);
    for await (const chunk of socket) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      while (pending.length >= 4) {
        const length = pending.readUInt32BE(0);
        if (pending.length < 4 + length) break;
        const message = pending.subarray(4, 4 + length);
        bytes += message.length;
        count++;
        pending = pending.subarray(4 + length);
      }
    }
    finishMessages(start, cpu, bytes, count);
    server.close();
    return;
  }
  const listener = await listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`PORT ${(listener.address as { port: number }).port}\n`);
  const conn = await listener.accept();
  const start = now();
  const cpu = process.cpuUsage();
  for await (const message of messages(conn, { header: 'u32be' })) {
    bytes += message.length;
    count++;
  }
  finishMessages(start, cpu, bytes, count);
  await conn.close();
  await listener.close();
}

function finishMessages(start: number, cpu: NodeJS.CpuUsage, bytes: number, count: number): void {
  const seconds = now() - start;
  const used = process.cpuUsage(cpu);
  const result: Result = {
    bytes,
    seconds,
    userSeconds: used.user / 1e6,
    systemSeconds: used.system / 1e6,
    messages: count,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/**
 * Sends n messages of `size` bytes with a u32be header: packed into 64 KiB writes, or one
 * write per message (`each`), as an RPC stream sends them.
 */
async function msgSend(port: number, n: number, size: number, mode: string): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await once(socket, 'connect');
  const frame = 4 + size;
  if (mode === 'each') {
    const one = Buffer.alloc(frame, 0x6d); // the same bytes each time: a sender that frames once
    one.writeUInt32BE(size, 0);
    for (let i = 0; i < n; i++) if (!socket.write(one)) await once(socket, 'drain');
    socket.end();
    await once(socket, 'close');
    return;
  }
  const perBlock = Math.floor((64 * 1024) / frame);
  const block = Buffer.alloc(perBlock * frame, 0x6d);
  for (let i = 0; i < perBlock; i++) block.writeUInt32BE(size, i * frame);
  for (let sent = 0; sent < n; sent += perBlock) {
    const here = Math.min(perBlock, n - sent);
    const out = here === perBlock ? block : block.subarray(0, here * frame);
    if (!socket.write(out)) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'close');
}

// --- ping-pong -------------------------------------------------------------------------------

async function echo(impl: Impl): Promise<void> {
  if (impl === 'compat') {
    const { listener, socket } = await compatAccept();
    await compatEcho(socket);
    socket.shutdown(SocketShutdown.Send);
    socket.close();
    listener.close();
    return;
  }
  if (impl === 'raw') {
    const server = await rawListen();
    const [socket] = (await once(server, 'connection')) as [net.Socket];
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
    socket.on('end', () => socket.end());
    await once(socket, 'close');
    server.close();
    return;
  }
  const listener = await listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`PORT ${(listener.address as { port: number }).port}\n`);
  const conn = await listener.accept();
  if (impl === 'iter') {
    for await (const chunk of conn) await conn.send(chunk);
  } else if (impl === 'read') {
    for (let c; (c = await conn.read()) !== null;) await conn.send(c);
  } else {
    const buf = new Uint8Array(64 * 1024);
    for (let n; (n = await conn.receive(buf)) > 0;) await conn.send(buf.subarray(0, n));
  }
  await conn.close();
  await listener.close();
}

async function ping(impl: Impl, port: number, n: number, size: number): Promise<void> {
  const message = Buffer.alloc(size, 0x61);
  if (impl === 'raw') {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true, allowHalfOpen: true });
    await once(socket, 'connect');
    const start = now();
    const cpu = process.cpuUsage();
    await new Promise<void>((resolve) => {
      let left = n;
      let got = 0;
      socket.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got < size) return;
        got -= size;
        if (--left === 0) resolve();
        else socket.write(message);
      });
      socket.write(message);
    });
    finish(start, cpu, n * size * 2, n);
    socket.end();
    await once(socket, 'close');
    return;
  }
  if (impl === 'compat') {
    const socket = compatSocket();
    socket.noDelay = true;
    const e = new SocketAsyncEventArgs();
    e.remoteEndPoint = new IPEndPoint(IPAddress.Loopback, port);
    await compatOp((x) => socket.connectAsync(x), e);
    const start = now();
    const cpu = process.cpuUsage();
    await compatPing(socket, n, message);
    finish(start, cpu, n * size * 2, n);
    socket.shutdown(SocketShutdown.Send);
    await compatDrain(socket);
    socket.close();
    return;
  }
  const conn = await connect({ host: '127.0.0.1', port });
  const start = now();
  const cpu = process.cpuUsage();
  await pingLoop(conn, impl, n, size, message);
  finish(start, cpu, n * size * 2, n);
  await conn.shutdown();
  await conn.close();
}

async function pingLoop(
  conn: Connection,
  impl: Impl,
  n: number,
  size: number,
  message: Buffer,
): Promise<void> {
  if (impl === 'receive') {
    const buf = new Uint8Array(size);
    for (let i = 0; i < n; i++) {
      await conn.send(message);
      for (let got = 0; got < size;) got += await conn.receive(buf.subarray(got));
    }
    return;
  }
  if (impl === 'read') {
    for (let i = 0; i < n; i++) {
      await conn.send(message);
      for (let got = 0; got < size;) got += ((await conn.read()) as Uint8Array).length;
    }
    return;
  }
  const it = conn[Symbol.asyncIterator]();
  for (let i = 0; i < n; i++) {
    await conn.send(message);
    for (let got = 0; got < size;) got += ((await it.next()).value as Uint8Array).length;
  }
  await it.return?.();
}

// --- main ------------------------------------------------------------------------------------

const [role, ...args] = process.argv.slice(2);
switch (role) {
  case 'bulk-recv':
    await bulkRecv(args[0] as Impl);
    break;
  case 'bulk-send':
    await bulkSend(Number(args[0]), Number(args[1]));
    break;
  case 'echo':
    await echo(args[0] as Impl);
    break;
  case 'msg-recv':
    await msgRecv(args[0] as string);
    break;
  case 'msg-send':
    await msgSend(Number(args[0]), Number(args[1]), Number(args[2]), args[3] ?? 'packed');
    break;
  case 'ping':
    await ping(args[0] as Impl, Number(args[1]), Number(args[2]), Number(args[3]));
    break;
  default:
    throw new Error(`unknown role ${String(role)}`);
}
