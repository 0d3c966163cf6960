// Bulk transfer: one side pushes --bulk-bytes in 64 KiB writes, the other drains to EOF. Either
// side is the implementation under test, the other raw node:net. Both sides first move <warm>
// bytes unmeasured through the same code they are then measured with (JIT warm-up).
//
//   bulk-recv <impl> <accept|connect> <port> <warm>          receive until EOF (listening, or
//                                                            connecting)
//   bulk-send <impl> <accept|connect> <bytes> <port> <warm>  send <warm> + <bytes>, then FIN
import * as net from 'node:net';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toDuplex, toReadableStream } from 'sockflow/streams';
import { Meter, measure, promiseSocket, rawSocket, sockflowConnection } from './common.js';
import { compatConnection, compatDrain } from './compat.js';

const BLOCK = 64 * 1024;

/** Receives until EOF with `impl`; prints the receiver's result. */
export async function bulkRecv(
  impl: string,
  side: 'accept' | 'connect',
  port: number,
  warm: number,
): Promise<void> {
  switch (impl) {
    case 'raw':
    case 'node-iter':
    case 'promise-socket': {
      // Node's own iterator (and promise-socket over it) with Node's defaults: no half-open
      // (Node 20's iterator destroys a half-open socket at the peer's FIN: node-notes §1).
      const { socket, close } = await rawSocket(
        side,
        port,
        impl === 'raw' ? {} : { allowHalfOpen: false },
      );
      const m = new Meter(warm);
      if (impl === 'raw') {
        socket.on('data', (chunk: Buffer) => {
          m.add(chunk.length);
        });
        await once(socket, 'end');
      } else if (impl === 'node-iter') {
        for await (const chunk of socket) m.add((chunk as Buffer).length);
      } else {
        const ps = await promiseSocket(socket);
        for (let c; (c = await ps.read()) !== undefined;) m.add(c.length);
      }
      m.finish();
      socket.end();
      await once(socket, 'close');
      close();
      return;
    }
    case 'raw-onread': {
      // node:net's onread: one reused buffer, no Buffer per read. Only sockets net.connect
      // makes can have it, so this receiver always connects.
      if (side !== 'connect') throw new Error('raw-onread receives on connections it opens');
      const m = new Meter(warm);
      const socket = net.connect({
        port,
        host: '127.0.0.1',
        noDelay: true,
        allowHalfOpen: true,
        onread: {
          buffer: Buffer.allocUnsafe(BLOCK),
          callback: (n: number) => {
            m.add(n);
            return true;
          },
        },
      });
      await once(socket, 'connect');
      await once(socket, 'end');
      m.finish();
      socket.end();
      await once(socket, 'close');
      return;
    }
    case 'compat': {
      const { socket, close } = await compatConnection(side, port);
      const m = new Meter(warm);
      await compatDrain(socket, m);
      m.finish();
      socket.shutdown(2);
      socket.close();
      close();
      return;
    }
    default: {
      const { conn, close } = await sockflowConnection(side, port);
      const m = new Meter(warm);
      if (impl === 'iter') {
        for await (const chunk of conn) m.add(chunk.length);
      } else if (impl === 'read') {
        for (let c; (c = await conn.read()) !== null;) m.add(c.length);
      } else if (impl === 'receive') {
        const buf = new Uint8Array(BLOCK);
        for (let n; (n = await conn.receive(buf)) > 0;) m.add(n);
      } else if (impl === 'byob') {
        const reader = toReadableStream(conn).getReader({ mode: 'byob' });
        let buf = new Uint8Array(BLOCK);
        for (;;) {
          const { value, done: end } = await reader.read(buf);
          if (end) break;
          m.add(value.length);
          buf = new Uint8Array(value.buffer); // the same memory, back to us
        }
        reader.releaseLock();
      } else if (impl === 'duplex') {
        await pipeline(
          toDuplex(conn),
          new Writable({
            write(chunk: Buffer, _encoding, callback) {
              m.add(chunk.length);
              callback();
            },
          }),
        );
      } else {
        throw new Error(`unknown receiver ${impl}`);
      }
      m.finish();
      await conn.close();
      await close();
    }
  }
}

/**
 * Sends `warm` bytes unmeasured, then `total` measured, in 64 KiB writes with `impl`, then FIN;
 * prints the sender's result. Both phases run the same `pump`, so the measured one runs the
 * code the warm-up optimized.
 */
export async function bulkSend(
  impl: string,
  side: 'accept' | 'connect',
  total: number,
  port: number,
  warm: number,
): Promise<void> {
  const s = await sender(impl, side, port, Buffer.alloc(BLOCK, 0x5a));
  await s.pump(warm);
  const done = measure();
  await s.pump(total);
  await s.end();
  done({ bytes: total });
  await s.close();
}

/** One sending implementation: blocks out, FIN, then release the connection. */
interface Sender {
  pump(bytes: number): Promise<void>;
  end(): Promise<void>;
  close(): Promise<void>;
}

async function sender(
  impl: string,
  side: 'accept' | 'connect',
  port: number,
  block: Buffer,
): Promise<Sender> {
  if (impl === 'send') {
    const { conn, close } = await sockflowConnection(side, port);
    return {
      pump: async (n) => {
        for (let sent = 0; sent < n; sent += block.length) await conn.send(block);
      },
      end: () => conn.shutdown('send'),
      close: async () => {
        await conn.close();
        await close();
      },
    };
  }
  if (impl !== 'raw' && impl !== 'promise-socket') throw new Error(`unknown sender ${impl}`);
  const { socket, close } = await rawSocket(side, port);
  const closed = async (): Promise<void> => {
    if (!socket.destroyed) await once(socket, 'close');
    close();
  };
  if (impl === 'raw') {
    return {
      pump: async (n) => {
        for (let sent = 0; sent < n; sent += block.length) {
          if (!socket.write(block)) await once(socket, 'drain');
        }
      },
      end: async () => {
        socket.end();
        await once(socket, 'finish');
      },
      close: closed,
    };
  }
  const ps = await promiseSocket(socket);
  return {
    pump: async (n) => {
      for (let sent = 0; sent < n; sent += block.length) await ps.write(block);
    },
    end: async () => {
      await ps.end();
    },
    close: closed,
  };
}
