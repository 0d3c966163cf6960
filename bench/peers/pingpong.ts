// Ping-pong: n round trips of a small message, both sides the implementation under test
// (raw-onread: the client reads with onread, the server with 'data', since accepted sockets
// cannot have onread).
//
//   echo <impl>                       listen, echo one connection until EOF
//   ping <impl> <port> <n> <size>     n round trips; prints the client's result
import { once } from 'node:events';
import type { Connection } from 'sockflow';
import { measure, promiseSocket, rawSocket, sockflowConnection } from './common.js';
import { compatConnection, compatEcho, compatPing } from './compat.js';

export async function echo(impl: string): Promise<void> {
  if (impl === 'compat') {
    const { socket, close } = await compatConnection('accept', 0);
    await compatEcho(socket);
    socket.shutdown(1);
    socket.close();
    close();
    return;
  }
  if (
    impl === 'raw' ||
    impl === 'raw-onread' ||
    impl === 'node-iter' ||
    impl === 'promise-socket'
  ) {
    const { socket, close } = await rawSocket('accept', 0);
    if (impl === 'node-iter') {
      for await (const chunk of socket) socket.write(chunk as Buffer);
      socket.end();
    } else if (impl === 'promise-socket') {
      const ps = await promiseSocket(socket);
      for (let c; (c = await ps.read()) !== undefined;) await ps.write(c);
      await ps.end();
    } else {
      socket.on('data', (chunk: Buffer) => socket.write(chunk));
      socket.on('end', () => socket.end());
    }
    if (!socket.destroyed) await once(socket, 'close');
    close();
    return;
  }
  const { conn, close } = await sockflowConnection('accept', 0);
  if (impl === 'iter') {
    for await (const chunk of conn) await conn.send(chunk);
  } else if (impl === 'read') {
    for (let c; (c = await conn.read()) !== null;) await conn.send(c);
  } else {
    const buf = new Uint8Array(64 * 1024);
    for (let n; (n = await conn.receive(buf)) > 0;) await conn.send(buf.subarray(0, n));
  }
  await conn.close();
  await close();
}

export async function ping(impl: string, port: number, n: number, size: number): Promise<void> {
  const message = Buffer.alloc(size, 0x61);
  if (impl === 'compat') {
    const { socket } = await compatConnection('connect', port);
    const done = measure();
    await compatPing(socket, n, message);
    done({ bytes: n * size * 2, roundTrips: n });
    socket.shutdown(1);
    socket.close();
    return;
  }
  if (impl === 'raw' || impl === 'raw-onread') {
    let onBytes: (count: number) => void = () => {};
    const options =
      impl === 'raw-onread'
        ? {
            onread: {
              buffer: Buffer.allocUnsafe(64 * 1024),
              callback: (count: number) => {
                onBytes(count);
                return true;
              },
            },
          }
        : {};
    const { socket } = await rawSocket('connect', port, options);
    if (impl === 'raw') socket.on('data', (chunk: Buffer) => onBytes(chunk.length));
    const done = measure();
    await new Promise<void>((resolve) => {
      let left = n;
      let got = 0;
      onBytes = (count) => {
        got += count;
        if (got < size) return;
        got -= size;
        if (--left === 0) resolve();
        else socket.write(message);
      };
      socket.write(message);
    });
    done({ bytes: n * size * 2, roundTrips: n });
    socket.end();
    await once(socket, 'close');
    return;
  }
  if (impl === 'node-iter' || impl === 'promise-socket') {
    const { socket } = await rawSocket('connect', port);
    const done = measure();
    if (impl === 'node-iter') {
      const it = socket[Symbol.asyncIterator]();
      for (let i = 0; i < n; i++) {
        socket.write(message);
        for (let got = 0; got < size;) got += ((await it.next()).value as Buffer).length;
      }
    } else {
      const ps = await promiseSocket(socket);
      for (let i = 0; i < n; i++) {
        await ps.write(message);
        for (let got = 0; got < size;) got += ((await ps.read()) as Buffer).length;
      }
    }
    done({ bytes: n * size * 2, roundTrips: n });
    socket.end();
    socket.resume();
    if (!socket.destroyed) await once(socket, 'close');
    return;
  }
  const { conn } = await sockflowConnection('connect', port);
  const done = measure();
  await pingLoop(conn, impl, n, size, message);
  done({ bytes: n * size * 2, roundTrips: n });
  await conn.shutdown();
  await conn.close();
}

async function pingLoop(
  conn: Connection,
  impl: string,
  n: number,
  size: number,
  message: Buffer,
): Promise<void> {
  if (impl === 'receive') {
    const buf = new Uint8Array(size);
    for (let i = 0; i < n; i++) {
      await conn.send(message);
      for (let got = 0; got < size;) got += await conn.receive(got === 0 ? buf : buf.subarray(got));
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
