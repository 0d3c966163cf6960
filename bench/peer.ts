// One side of a benchmark case, run in its own process by bench/run.ts.
//
//   bulk-recv <impl>            listen, print "PORT n", receive until EOF, print a JSON result
//   bulk-send <port> <bytes>    connect with raw net.Socket, send <bytes> in 64 KiB writes, FIN
//   echo <impl>                 listen, print "PORT n", echo one connection until EOF
//   ping <impl> <port> <n> <size>  n round trips of <size> bytes, print a JSON result
//
// <impl> is raw (net.Socket with 'data' handlers) or one of sockflow's receive styles:
// iter (for await), read (read()), receive (receive(into) with one reused buffer).
import * as net from 'node:net';
import { once } from 'node:events';
import { connect, listen, type Connection } from 'sockflow';

type Impl = 'raw' | 'iter' | 'read' | 'receive';

interface Result {
  bytes: number;
  seconds: number;
  userSeconds: number;
  systemSeconds: number;
  roundTrips?: number;
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

async function bulkRecv(impl: Impl): Promise<void> {
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

// --- ping-pong -------------------------------------------------------------------------------

async function echo(impl: Impl): Promise<void> {
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
  case 'ping':
    await ping(args[0] as Impl, Number(args[1]), Number(args[2]), Number(args[3]));
    break;
  default:
    throw new Error(`unknown role ${String(role)}`);
}
