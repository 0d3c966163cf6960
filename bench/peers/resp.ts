// A RESP (Redis) pipeline against a real redis-server: SET one key, then n GETs of it
// pipelined, every reply parsed, round after round: the first unmeasured (the JIT's warm-up),
// the next <rounds> measured together. The same client three ways:
//
//   resp-client raw <port> <n> <rounds>      node:net, a hand-written reply parser in the
//                                            'data' handler
//   resp-client streams <port> <n> <rounds>  sockflow: tryReadUntil/tryReadExactly, with
//                                            readUntil/readExactly when the bytes are not
//                                            there yet
//   resp-client ioredis <port> <n> <rounds>  ioredis's pipeline()
import { once } from 'node:events';
import * as net from 'node:net';
import { connect } from 'sockflow';
import { readExactly, readUntil, tryReadExactly, tryReadUntil } from 'sockflow/streams';
import { measure, now } from './common.js';

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

export async function respClient(
  impl: string,
  port: number,
  n: number,
  rounds: number,
): Promise<void> {
  const commands = gets(n);
  const client = await clientOf(impl, port, commands, n);
  // One round unmeasured, as the bulk cases warm up: the JIT compiles each client's parse
  // loop over the first tens of thousands of replies (the first round of 100,000 ran at
  // 0.6-0.9 M GETs/s, the next at 1.6-3.1 M), a one-off, not a per-reply cost.
  const cold = now();
  await client.round();
  const coldSeconds = now() - cold;
  // Then `rounds` measured together: one round of 100,000 lasts ~35 ms when warm, too short
  // for a steady figure on a machine this noisy.
  const done = measure();
  let bytes = 0;
  for (let i = 0; i < rounds; i++) bytes += await client.round();
  done({ messages: n * rounds, bytes, coldRate: n / coldSeconds });
  await client.close();
}

/** One client under test: `round()` sends the n GETs and resolves with the value bytes. */
interface RespClient {
  round: () => Promise<number>;
  close: () => void | Promise<void>;
}

async function clientOf(
  impl: string,
  port: number,
  commands: Buffer,
  n: number,
): Promise<RespClient> {
  if (impl === 'ioredis') {
    const { Redis } = await import('ioredis');
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
    await redis.connect();
    await redis.set(KEY, VALUE);
    return {
      round: async () => {
        const pipeline = redis.pipeline();
        for (let i = 0; i < n; i++) pipeline.get(KEY);
        const replies = (await pipeline.exec()) ?? [];
        if (replies.length !== n) throw new Error(`ioredis: ${replies.length} replies`);
        let bytes = 0;
        for (const [err, v] of replies) {
          if (err !== null) throw err;
          bytes += (v as string).length;
        }
        return bytes;
      },
      close: () => redis.disconnect(),
    };
  }
  if (impl === 'raw') {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await once(socket, 'connect');
    socket.write(SET);
    const [ok] = (await once(socket, 'data')) as [Buffer];
    if (ok.toString() !== '+OK\r\n') throw new Error(`SET: ${ok.toString()}`);
    let onData: (chunk: Buffer) => void = () => {};
    socket.on('data', (chunk: Buffer) => onData(chunk));
    return {
      round: () =>
        new Promise<number>((resolve) => {
          let replies = 0;
          let bytes = 0;
          let pending: Buffer | null = null;
          onData = (chunk) => {
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
            if (replies === n) resolve(bytes);
          };
          socket.write(commands);
        }),
      close: () => {
        socket.end();
      },
    };
  }
  const conn = await connect({ host: '127.0.0.1', port });
  await conn.send(SET);
  const ok = await readUntil(conn, CRLF);
  if (Buffer.from(ok).toString() !== '+OK') throw new Error('SET failed');
  return {
    round: async () => {
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
      return bytes;
    },
    close: async () => {
      await conn.close();
    },
  };
}
