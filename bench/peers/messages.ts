// Length-prefixed messages: a raw sender, a receiver that decodes them.
//
//   msg-recv <impl>                    listen, decode u32be-framed messages until EOF
//   msg-send <port> <n> <size> <mode>  send n messages of <size>: packed into 64 KiB writes,
//                                      or one write per message (each)
import { once } from 'node:events';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { lineBatches, lines, messageBatches, messages } from 'sockflow/streams';
import { measure, rawSocket, sockflowConnection } from './common.js';

/**
 * Decodes u32be-framed messages until EOF: Node's iterator with Buffer.concat, a hand-written
 * parser in a raw 'data' handler, or sockflow's messages() or messageBatches().
 */
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
  if (impl === 'raw-parser') {
    // What a Node user writes today for speed: a length-prefix parser in a raw 'data'
    // handler, views of each chunk, a copy only for a message that spans chunks.
    const { socket, close } = await rawSocket('accept', 0);
    const done = measure();
    let pending: Buffer | null = null;
    socket.on('data', (chunk: Buffer) => {
      const buf: Buffer = pending === null ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      while (buf.length - at >= 4) {
        const length = buf.readUInt32BE(at);
        if (buf.length - at - 4 < length) break;
        const message = buf.subarray(at + 4, at + 4 + length);
        bytes += message.length;
        count++;
        at += 4 + length;
      }
      pending = at < buf.length ? buf.subarray(at) : null;
    });
    await once(socket, 'end');
    done({ bytes, messages: count });
    socket.end();
    close();
    return;
  }
  const { conn, close } = await sockflowConnection('accept', 0);
  const done = measure();
  if (impl === 'batches') {
    for await (const batch of messageBatches(conn, { header: 'u32be' })) {
      for (const message of batch) {
        bytes += message.length;
        count++;
      }
    }
  } else {
    for await (const message of messages(conn, { header: 'u32be' })) {
      bytes += message.length;
      count++;
    }
  }
  done({ bytes, messages: count });
  await conn.close();
  await close();
}

/**
 * Reads text lines until EOF: Node's readline over the socket ('line' events, its fast form),
 * a hand-written splitter in a raw 'data' handler (the floor), or sockflow's lines() or
 * lineBatches().
 */
export async function lineRecv(impl: string): Promise<void> {
  let count = 0;
  let bytes = 0;
  if (impl === 'readline') {
    const { socket, close } = await rawSocket('accept', 0);
    const done = measure();
    const rl = createInterface({ input: socket, crlfDelay: Infinity });
    rl.on('line', (line: string) => {
      bytes += line.length;
      count++;
    });
    await once(rl, 'close');
    done({ bytes, messages: count });
    socket.end();
    close();
    return;
  }
  if (impl === 'raw-split') {
    // The floor a Node user can write: a splitter in a raw 'data' handler (setEncoding('utf8'),
    // then indexOf('\n') in each chunk's text; only a line cut by a chunk's end is joined), no
    // event or promise per line. Every line is a string here too.
    const { socket, close } = await rawSocket('accept', 0);
    const done = measure();
    socket.setEncoding('utf8');
    let pending = '';
    const line = (text: string, from: number, nl: number): void => {
      const end = nl > from && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      bytes += text.slice(from, end).length;
      count++;
    };
    socket.on('data', (chunk: string) => {
      let nl = chunk.indexOf('\n');
      if (nl < 0) {
        pending += chunk;
        return;
      }
      let from = 0;
      if (pending !== '') {
        const joined = pending + chunk.slice(0, nl + 1);
        line(joined, 0, joined.length - 1);
        pending = '';
        from = nl + 1;
        nl = chunk.indexOf('\n', from);
      }
      for (; nl >= 0; from = nl + 1, nl = chunk.indexOf('\n', from)) line(chunk, from, nl);
      pending = chunk.slice(from);
    });
    await once(socket, 'end');
    if (pending !== '') {
      bytes += pending.length;
      count++;
    }
    done({ bytes, messages: count });
    socket.end();
    close();
    return;
  }
  const { conn, close } = await sockflowConnection('accept', 0);
  const done = measure();
  if (impl === 'line-batches') {
    for await (const batch of lineBatches(conn)) {
      for (const line of batch) {
        bytes += line.length;
        count++;
      }
    }
  } else {
    for await (const line of lines(conn)) {
      bytes += line.length;
      count++;
    }
  }
  done({ bytes, messages: count });
  await conn.close();
  await close();
}

/**
 * Sends n messages of `size` bytes with a u32be header: packed into 64 KiB writes, or one
 * write per message (`each`), as an RPC stream sends them; or (`lines`) n lines of `size`
 * bytes, the newline included, packed into 64 KiB writes.
 */
export async function msgSend(port: number, n: number, size: number, mode: string): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await once(socket, 'connect');
  const frame = mode === 'lines' ? size : 4 + size;
  if (mode === 'lines') {
    const perBlock = Math.floor((64 * 1024) / frame);
    const block = Buffer.alloc(perBlock * frame, 0x6c);
    for (let i = 1; i <= perBlock; i++) block[i * frame - 1] = 0x0a;
    for (let sent = 0; sent < n; sent += perBlock) {
      const here = Math.min(perBlock, n - sent);
      const out = here === perBlock ? block : block.subarray(0, here * frame);
      if (!socket.write(out)) await once(socket, 'drain');
    }
  } else if (mode === 'each') {
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
