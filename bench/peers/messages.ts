// Length-prefixed messages: a raw sender, a receiver that decodes them.
//
//   msg-recv <impl>                    listen, decode u32be-framed messages until EOF
//   msg-send <port> <n> <size> <mode>  send n messages of <size>: packed into 64 KiB writes,
//                                      or one write per message (each)
import { once } from 'node:events';
import * as net from 'node:net';
import { messages } from 'sockflow/streams';
import { measure, rawSocket, sockflowConnection } from './common.js';

/** Decodes u32be-framed messages until EOF: Node's idiom, or sockflow's messages(). */
export async function msgRecv(impl: string): Promise<void> {
  let count = 0;
  let bytes = 0;
  if (impl === 'concat-framing') {
    // The framing as it is often written on Node's own iterator: a growing Buffer.concat.
    const { socket, close } = await rawSocket('accept', 0);
    const done = measure();
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
    done({ bytes, messages: count });
    close();
    return;
  }
  const { conn, close } = await sockflowConnection('accept', 0);
  const done = measure();
  for await (const message of messages(conn, { header: 'u32be' })) {
    bytes += message.length;
    count++;
  }
  done({ bytes, messages: count });
  await conn.close();
  await close();
}

/**
 * Sends n messages of `size` bytes with a u32be header: packed into 64 KiB writes, or one
 * write per message (`each`), as an RPC stream sends them.
 */
export async function msgSend(port: number, n: number, size: number, mode: string): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await once(socket, 'connect');
  const frame = 4 + size;
  if (mode === 'each') {
    const one = Buffer.alloc(frame, 0x6d); // the same bytes each time: a sender that frames once
    one.writeUInt32BE(size, 0);
    for (let i = 0; i < n; i++) if (!socket.write(one)) await once(socket, 'drain');
  } else {
    const perBlock = Math.floor((64 * 1024) / frame);
    const block = Buffer.alloc(perBlock * frame, 0x6d);
    for (let i = 0; i < perBlock; i++) block.writeUInt32BE(size, i * frame);
    for (let sent = 0; sent < n; sent += perBlock) {
      const here = Math.min(perBlock, n - sent);
      const out = here === perBlock ? block : block.subarray(0, here * frame);
      if (!socket.write(out)) await once(socket, 'drain');
    }
  }
  socket.end();
  await once(socket, 'close');
}
