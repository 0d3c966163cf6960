// A RESP (Redis) pipeline against a real redis-server: SET one key, then n GETs of it
// pipelined, every reply parsed. The same client three ways:
//
//   resp-client raw <port> <n>      node:net, a hand-written reply parser in the 'data' handler
//   resp-client streams <port> <n>  sockflow: tryReadUntil/tryReadExactly, readUntil/readExactly
//                                   as the fallback when the bytes are not there yet
//   resp-client ioredis <port> <n>  ioredis's pipeline()
import { once } from 'node:events';
import * as net from 'node:net';
import { connect } from 'sockflow';
import { readExactly, readUntil, tryReadExactly, tryReadUntil } from 'sockflow/streams';
import { measure } from './common.js';

const KEY = 'sockflow:bench';
const VALUE = 'v'.repeat(100);
const CRLF = new Uint8Array([13, 10]);

/** `GET KEY` n times, as one buffer of RESP arrays. */
function gets(n: number): Buffer {
  const one = Buffer.from(`*2\r\n$3\r\nGET\r\n$${KEY.length}\r\n${KEY}\r\n`);
  const all = Buffer.allocUnsafe(one.length * n);
  for (let i = 0; i < n; i++) one.copy(all, i * one.length);
  return all;
}

const SET = Buffer.from(
  `*3\r\n$3\r\nSET\r\n$${KEY.length}\r\n${KEY}\r\n$${VALUE.length}\r\n${VALUE}\r\n`,
);

/** The decimal integer in `b` from `at` to its end (a RESP length: digits, maybe a '-'). */
function intAt(b: Uint8Array, at: number, end = b.length): number {
  let sign = 1;
  if (b[at] === 0x2d) {
    sign = -1;
    at++;
  }
  let n = 0;
  for (; at < end; at++) n = n * 10 + ((b[at] as number) - 48);
  return sign * n;
}

export async function respClient(impl: string, port: number, n: number): Promise<void> {
  const commands = gets(n);
  if (impl === 'ioredis') {
    const { Redis } = await import('ioredis');
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
    await redis.connect();
    await redis.set(KEY, VALUE);
    const done = measure();
    const pipeline = redis.pipeline();
    for (let i = 0; i < n; i++) pipeline.get(KEY);
    const replies = (await pipeline.exec()) ?? [];
    let bytes = 0;
    for (const [err, v] of replies) {
      if (err !== null) throw err;
      bytes += (v as string).length;
    }
    done({ messages: replies.length, bytes });
    redis.disconnect();
    return;
  }
  if (impl === 'raw') {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await once(socket, 'connect');
    socket.write(SET);
    const [ok] = (await once(socket, 'data')) as [Buffer];
    if (ok.toString() !== '+OK\r\n') throw new Error(`SET: ${ok.toString()}`);
    const done = measure();
    let replies = 0;
    let bytes = 0;
    let pending: Buffer | null = null;
    const finished = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        const b: Buffer = pending === null ? chunk : Buffer.concat([pending, chunk]);
        let at = 0;
        for (;;) {
          // A bulk string: $<len>\r\n<bytes>\r\n (or $-1\r\n).
          const cr = b.indexOf(13, at);
          if (cr < 0 || cr + 1 >= b.length) break;
          const len = intAt(b, at + 1, cr);
          const end = len < 0 ? cr + 2 : cr + 2 + len + 2;
          if (end > b.length) break;
          bytes += Math.max(0, len);
          replies++;
          at = end;
        }
        pending = at < b.length ? b.subarray(at) : null;
        if (replies === n) resolve();
      });
    });
    socket.write(commands);
    await finished;
    done({ messages: replies, bytes });
    socket.end();
    return;
  }
  const conn = await connect({ host: '127.0.0.1', port });
  await conn.send(SET);
  const ok = await readUntil(conn, CRLF);
  if (Buffer.from(ok).toString() !== '+OK') throw new Error('SET failed');
  const done = measure();
  const sending = conn.send(commands);
  let bytes = 0;
  for (let replies = 0; replies < n; replies++) {
    const head = tryReadUntil(conn, CRLF) ?? (await readUntil(conn, CRLF));
    const len = intAt(head, 1);
    if (len < 0) continue;
    const body = tryReadExactly(conn, len + 2) ?? (await readExactly(conn, len + 2));
    bytes += body.length - 2;
  }
  await sending;
  done({ messages: n, bytes });
  await conn.close();
}
