// Framing: readExactly, readUntil, lines, messages and sendMessage. Lossless, cancel safe,
// bounded; every delimiter and header split at every byte.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { connect, listen, type Connection } from '../../src/core/index.js';
import {
  FrameTimeoutError,
  FrameTooLargeError,
  FrameTruncatedError,
  InvalidFrameError,
  lines,
  messages,
  readExactly,
  readUntil,
  sendMessage,
  type MessageHeader,
} from '../../src/streams/index.js';
import { delay, pair, portOf, rawServer, readAll, until, type Pair } from '../helpers.js';

const enc = new TextEncoder();
const text = (b: Uint8Array): string => Buffer.from(b).toString();

/** Sends each piece so that it lands as a chunk of its own in the receiver's buffer. */
async function feed(p: Pair, pieces: (Uint8Array | string)[], end = false): Promise<void> {
  let expected = p.server.bufferedBytes;
  for (const piece of pieces) {
    const b = typeof piece === 'string' ? enc.encode(piece) : piece;
    if (b.length === 0) continue;
    await p.client.send(b);
    expected += b.length;
    await until(() => p.server.bufferedBytes === expected);
  }
  if (end) await p.client.shutdown('send');
}

/** Every way to cut `b` in two. */
function* splits(b: Uint8Array): Generator<[Uint8Array, Uint8Array]> {
  for (let k = 1; k < b.length; k++) yield [b.subarray(0, k), b.subarray(k)];
}

function header(kind: MessageHeader, length: number): Uint8Array {
  switch (kind) {
    case 'u8':
      return Uint8Array.of(length);
    case 'u16be':
      return Uint8Array.of(length >> 8, length & 0xff);
    case 'u32be':
      return Uint8Array.of(
        length >>> 24,
        (length >> 16) & 0xff,
        (length >> 8) & 0xff,
        length & 0xff,
      );
    case 'varint': {
      const out: number[] = [];
      for (let v = length; ; v = Math.floor(v / 128)) {
        if (v < 128) {
          out.push(v);
          break;
        }
        out.push((v % 128) | 0x80);
      }
      return Uint8Array.from(out);
    }
  }
}

function frame(kind: MessageHeader, payload: Uint8Array): Uint8Array {
  const h = header(kind, payload.length);
  const out = new Uint8Array(h.length + payload.length);
  out.set(h);
  out.set(payload, h.length);
  return out;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** What is left in the connection, to EOF. */
async function rest(conn: Connection): Promise<string> {
  return (await readAll(conn)).toString();
}

describe('readExactly', () => {
  it('reads exactly n bytes across chunks, leaving the rest unread', async () => {
    await using p = await pair();
    await feed(p, ['ab', 'cdef', 'gh'], true);
    expect(text(await readExactly(p.server, 3))).toBe('abc');
    expect(text(await readExactly(p.server, 1))).toBe('d');
    expect(text(await readExactly(p.server, 0))).toBe('');
    expect(await rest(p.server)).toBe('efgh');
  });

  it('split at every byte: the same bytes, whatever the chunking', async () => {
    const data = enc.encode('0123456789');
    for (const [a, b] of splits(data)) {
      await using p = await pair();
      await feed(p, [a, b, 'tail'], true);
      expect(text(await readExactly(p.server, 10))).toBe('0123456789');
      expect(await rest(p.server)).toBe('tail');
    }
  });

  it('EOF first rejects with FrameTruncatedError carrying the partial bytes', async () => {
    await using p = await pair();
    await feed(p, ['abc'], true);
    const err = await readExactly(p.server, 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTruncatedError);
    expect(err).toMatchObject({ code: 'ERR_FRAME_TRUNCATED' });
    expect(text((err as FrameTruncatedError).partial)).toBe('abc');
    const none = await readExactly(p.server, 1).catch((e: unknown) => e);
    expect((none as FrameTruncatedError).partial.length).toBe(0);
  });

  it('an aborted read gives back what it had taken: the stream is unchanged', async () => {
    await using p = await pair();
    await feed(p, ['abc']);
    const ac = new AbortController();
    const reading = readExactly(p.server, 6, { signal: ac.signal });
    await until(() => p.server.bufferedBytes === 0); // it took 'abc' and waits for more
    const reason = new Error('enough');
    ac.abort(reason);
    await expect(reading).rejects.toBe(reason);
    await feed(p, ['def'], true);
    expect(await rest(p.server)).toBe('abcdef');
  });

  it('bad arguments reject before any I/O (never a synchronous throw)', async () => {
    await using p = await pair();
    await expect(readExactly(p.server, -1)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(readExactly(p.server, 1.5)).rejects.toThrow(RangeError);
    await expect(readExactly({} as Connection, 1)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});

describe('readUntil', () => {
  it('resolves with the bytes before the delimiter, consumes it, leaves the rest', async () => {
    await using p = await pair();
    await feed(p, ['GET / HTTP/1.1\r\nHost: x\r\n\r\nbody'], true);
    expect(text(await readUntil(p.server, '\r\n\r\n'))).toBe('GET / HTTP/1.1\r\nHost: x');
    expect(await rest(p.server)).toBe('body');
  });

  it('a multi-byte delimiter split at every byte, and the frame split at every byte', async () => {
    const all = enc.encode('head-part|END|tail');
    for (const [a, b] of splits(all)) {
      await using p = await pair();
      await feed(p, [a, b], true);
      expect(text(await readUntil(p.server, '|END|'))).toBe('head-part');
      expect(await rest(p.server)).toBe('tail');
    }
  });

  it('a delimiter spread over three chunks, and a false start before it', async () => {
    await using p = await pair();
    await feed(p, ['ab|E', 'N', 'X|END', '|rest'], true);
    expect(text(await readUntil(p.server, enc.encode('|END|')))).toBe('ab|ENX');
    expect(await rest(p.server)).toBe('rest');
  });

  it('a frame over maxBytes rejects with FrameTooLargeError, never buffered whole, and the bytes stay unread', async () => {
    await using p = await pair();
    await feed(p, ['x'.repeat(100), 'y'.repeat(100)]);
    const err = await readUntil(p.server, '\n', { maxBytes: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect(err).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE', limit: 150 });
    await p.client.shutdown('send');
    expect(await rest(p.server)).toBe('x'.repeat(100) + 'y'.repeat(100));
  });

  it('stops at maxBytes plus one chunk when the peer never sends the delimiter', async () => {
    await using p = await pair();
    const sending = p.client.send(Buffer.alloc(8 * 1024 * 1024, 0x61)).catch(() => undefined);
    const err = await readUntil(p.server, '\n', { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect(p.server.bufferedBytes).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    await p.client.reset();
    await sending;
  });

  it('a frame of exactly maxBytes is accepted; one more byte is not', async () => {
    await using p = await pair();
    await feed(p, ['abcd\nabcde\n'], true);
    expect(text(await readUntil(p.server, '\n', { maxBytes: 4 }))).toBe('abcd');
    await expect(readUntil(p.server, '\n', { maxBytes: 4 })).rejects.toBeInstanceOf(
      FrameTooLargeError,
    );
    expect(await rest(p.server)).toBe('abcde\n');
  });

  it('EOF before the delimiter rejects with the partial bytes', async () => {
    await using p = await pair();
    await feed(p, ['no end in ', 'sight'], true);
    const err = (await readUntil(p.server, '\n').catch((e: unknown) => e)) as FrameTruncatedError;
    expect(err).toBeInstanceOf(FrameTruncatedError);
    expect(text(err.partial)).toBe('no end in sight');
  });

  it('an aborted read gives back every chunk it took, in order', async () => {
    await using p = await pair();
    await feed(p, ['one ', 'two ']);
    const ac = new AbortController();
    const reading = readUntil(p.server, '\n', { signal: ac.signal });
    await until(() => p.server.bufferedBytes === 0);
    ac.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    await feed(p, ['three\n'], true);
    expect(text(await readUntil(p.server, '\n'))).toBe('one two three');
  });

  it('bad delimiters reject before any I/O (never a synchronous throw)', async () => {
    await using p = await pair();
    await expect(readUntil(p.server, '')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(readUntil(p.server, 10 as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(readUntil(p.server, '\n', { maxBytes: -1 })).rejects.toThrow(RangeError);
  });
});

describe('lines', () => {
  it('yields lines without \\n or \\r\\n, and a last line without a newline', async () => {
    await using p = await pair();
    await feed(p, ['one\r\ntwo\n\nthree\r', '\nfour'], true);
    expect(await collect(lines(p.server))).toEqual(['one', 'two', '', 'three', 'four']);
  });

  it('decodes UTF-8 split across chunks at every byte', async () => {
    const all = enc.encode('héllo wörld €uro 😀!\r\nnext\n');
    for (const [a, b] of splits(all)) {
      await using p = await pair();
      await feed(p, [a, b], true);
      expect(await collect(lines(p.server))).toEqual(['héllo wörld €uro 😀!', 'next']);
    }
  });

  it('a line over maxLineLength rejects with FrameTooLargeError; \\r\\n does not count toward it', async () => {
    await using p = await pair();
    await feed(p, ['abcd\r\nabcde\n'], true);
    const it = lines(p.server, { maxLineLength: 4 });
    expect((await it.next()).value).toBe('abcd');
    await expect(it.next()).rejects.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE', limit: 4 });
    expect(await rest(p.server)).toBe('abcde\n');
  });

  it('gives back the bytes after each line: the loop body may receive from the connection', async () => {
    await using p = await pair();
    await feed(p, ['SIZE 5\nhelloSIZE 3\nbye'], true);
    const bodies: string[] = [];
    for await (const line of lines(p.server)) {
      const n = Number(line.split(' ')[1]);
      bodies.push(text(await readExactly(p.server, n)));
    }
    expect(bodies).toEqual(['hello', 'bye']);
  });

  it('breaking out of the loop closes nothing and keeps the unread lines', async () => {
    await using p = await pair();
    await feed(p, ['a\nb\nc\n'], true);
    for await (const line of lines(p.server)) {
      expect(line).toBe('a');
      break;
    }
    expect(await collect(lines(p.server))).toEqual(['b', 'c']);
  });

  it('an aborted step ends the iteration and leaves the stream unchanged', async () => {
    await using p = await pair();
    await feed(p, ['partial ']);
    const ac = new AbortController();
    const it = lines(p.server, { signal: ac.signal });
    const step = it.next();
    await until(() => p.server.bufferedBytes === 0);
    ac.abort();
    await expect(step).rejects.toMatchObject({ name: 'AbortError' });
    expect((await it.next()).done).toBe(true);
    await feed(p, ['line\n'], true);
    expect(await collect(lines(p.server))).toEqual(['partial line']);
  });
});

describe('messages and sendMessage', () => {
  const kinds: MessageHeader[] = ['u8', 'u16be', 'u32be', 'varint'];

  for (const kind of kinds) {
    it(`${kind}: sendMessage and messages round-trip, empty messages included`, async () => {
      await using p = await pair();
      const payloads = ['', 'a', 'hello', 'x'.repeat(200)].map((s) => enc.encode(s));
      for (const m of payloads) await sendMessage(p.client, m, { header: kind });
      await sendMessage(p.client, 'text', { header: kind });
      await p.client.shutdown('send');
      const got = await collect(messages(p.server, { header: kind }));
      expect(got.map(text)).toEqual([...payloads.map(text), 'text']);
    });

    it(`${kind}: the header and the payload split at every byte`, async () => {
      const payload = enc.encode('payload');
      const all = new Uint8Array([...frame(kind, payload), ...frame(kind, enc.encode('next'))]);
      for (const [a, b] of splits(all)) {
        await using p = await pair();
        await feed(p, [a, b], true);
        expect((await collect(messages(p.server, { header: kind }))).map(text)).toEqual([
          'payload',
          'next',
        ]);
      }
    });
  }

  it('varint: lengths of one to four bytes, and a varint longer than 8 bytes is InvalidFrameError', async () => {
    await using p = await pair();
    const sizes = [0, 127, 128, 16_383, 16_384, 2_097_152];
    for (const n of sizes) await sendMessage(p.client, new Uint8Array(n), { header: 'varint' });
    await p.client.send(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01));
    await p.client.shutdown('send');
    const it = messages(p.server, { header: 'varint', maxMessageBytes: 4 * 1024 * 1024 });
    for (const n of sizes) expect(((await it.next()).value as Uint8Array).length).toBe(n);
    await expect(it.next()).rejects.toBeInstanceOf(InvalidFrameError);
    expect((await readAll(p.server)).length).toBe(9); // nothing consumed
  });

  it('the limit is checked on the header, before any payload arrives', async () => {
    await using p = await pair();
    await feed(p, [header('u32be', 1 << 30)]); // announces 1 GiB, sends none of it
    const err = await messages(p.server, { maxMessageBytes: 1024 })
      .next()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect(err).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE', limit: 1024, size: 1 << 30 });
    expect(p.server.bufferedBytes).toBe(4); // the header is back, unread
  });

  it('EOF inside a message rejects with its header and payload bytes as partial', async () => {
    await using p = await pair();
    await feed(p, [frame('u16be', enc.encode('complete')), header('u16be', 10), 'only'], true);
    const it = messages(p.server, { header: 'u16be' });
    expect(text((await it.next()).value as Uint8Array)).toBe('complete');
    const err = (await it.next().catch((e: unknown) => e)) as FrameTruncatedError;
    expect(err).toBeInstanceOf(FrameTruncatedError);
    expect([...err.partial]).toEqual([0, 10, ...enc.encode('only')]);
  });

  it('an aborted step mid-payload gives back header and payload: the stream is unchanged', async () => {
    await using p = await pair();
    const whole = frame('u32be', enc.encode('0123456789'));
    await feed(p, [whole.subarray(0, 7)]);
    const ac = new AbortController();
    const step = messages(p.server, { signal: ac.signal }).next();
    await until(() => p.server.bufferedBytes === 0);
    ac.abort();
    await expect(step).rejects.toMatchObject({ name: 'AbortError' });
    await feed(p, [whole.subarray(7)], true);
    expect((await collect(messages(p.server))).map(text)).toEqual(['0123456789']);
  });

  it('a peer reset after a header rejects with the error and leaves the header unread', async () => {
    const raw = await rawServer();
    const conn = await connect({ host: '127.0.0.1', port: raw.port });
    const peer = await raw.next();
    peer.write(Buffer.from(header('u32be', 10)));
    await until(() => conn.bufferedBytes === 4);
    peer.resetAndDestroy(); // nothing in flight: seen as a reset on every Node version
    await conn.closed;
    await expect(messages(conn).next()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect([...((await conn.read()) as Uint8Array)]).toEqual([0, 0, 0, 10]);
    await raw.close();
  });

  it('sendMessage: one gathered write; too long for the header rejects with a RangeError', async () => {
    await using p = await pair();
    await expect(
      sendMessage(p.client, new Uint8Array(256), { header: 'u8' }),
    ).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(
      sendMessage(p.client, new Uint8Array(1), { header: 'u64' as never }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    // Many concurrent senders: headers never interleave with other payloads.
    const sends = Array.from({ length: 50 }, (_, i) =>
      sendMessage(p.client, `message number ${i}`, { header: 'u16be' }),
    );
    expect(await Promise.all(sends)).toEqual(sends.map((_, i) => 2 + `message number ${i}`.length));
    await p.client.shutdown('send');
    const got = (await collect(messages(p.server, { header: 'u16be' }))).map(text);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `message number ${i}`));
  });
});

describe('mixing', () => {
  it('framing helpers, receive() and for await on one connection never lose or duplicate a byte', async () => {
    await using p = await pair();
    await feed(
      p,
      ['HELLO\r\n', frame('u8', enc.encode('msg')), 'KEY:value;', 'raw-bytes', '12345'],
      true,
    );
    const it = lines(p.server);
    expect((await it.next()).value).toBe('HELLO');
    await it.return?.();
    expect(text((await messages(p.server, { header: 'u8' }).next()).value as Uint8Array)).toBe(
      'msg',
    );
    expect(text(await readUntil(p.server, ';'))).toBe('KEY:value');
    const buf = new Uint8Array(9);
    expect(await p.server.receive(buf)).toBe(9);
    expect(text(buf)).toBe('raw-bytes');
    expect(text(await readExactly(p.server, 2))).toBe('12');
    const tail: Uint8Array[] = [];
    for await (const c of p.server) tail.push(c);
    expect(text(Buffer.concat(tail))).toBe('345');
  });
});

describe('a frame in progress costs what was received, not what its header announced', () => {
  const GiB = 2 ** 30;
  /** ArrayBuffer bytes allocated now beyond `before` (this process, all of them). */
  const grown = (before: number): number => process.memoryUsage().arrayBuffers - before;

  it('readExactly(conn, 1 GiB) holds kilobytes while the peer has sent 10 bytes, and gives them back on abort', async () => {
    await using p = await pair();
    const before = process.memoryUsage().arrayBuffers;
    const ac = new AbortController();
    const big = readExactly(p.server, GiB, { signal: ac.signal }).catch((e: unknown) => e);
    await p.client.send(new Uint8Array(10).fill(7));
    await until(() => p.server.bytesReceived === 10);
    expect(grown(before)).toBeLessThan(16 * 2 ** 20); // was 1 GiB
    ac.abort(new Error('enough'));
    expect(await big).toBe(ac.signal.reason);
    expect(Array.from((await p.server.read()) as Uint8Array)).toEqual(new Array(10).fill(7));
  });

  it("messages(): a 'u32be' header announcing 1 GiB and one byte hold kilobytes, and a full frame still arrives whole", async () => {
    await using p = await pair();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(GiB);
    const before = process.memoryUsage().arrayBuffers;
    const ac = new AbortController();
    const it = messages(p.server, { header: 'u32be', maxMessageBytes: GiB, signal: ac.signal });
    const next = it.next().catch((e: unknown) => e);
    await p.client.send([header, new Uint8Array([1])]);
    await until(() => p.server.bytesReceived === 5);
    expect(grown(before)).toBeLessThan(16 * 2 ** 20); // was 1 GiB
    ac.abort(new Error('enough'));
    expect(await next).toBe(ac.signal.reason);
    // Growing as bytes come still delivers a large message byte for byte.
    const size = 3 * 2 ** 20 + 5;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i++) payload[i] = (i * 31) & 0xff;
    await using q = await pair();
    const reading = readExactly(q.server, size);
    for (let off = 0; off < size; off += 100_000) {
      await q.client.send(payload.subarray(off, Math.min(size, off + 100_000)));
    }
    expect(Buffer.from(await reading).equals(payload)).toBe(true);
  });
});

describe('a peer trickling a frame one byte per packet (slowloris)', () => {
  it('2,000 connections, lines() waiting on each: a partial line holds at most 2 × its bytes + 2 KB', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const held = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const N = 2000;
    const BYTES = 48;
    await using listener = await listen({ host: '127.0.0.1', port: 0 });
    const clients: Connection[] = [];
    const servers: Connection[] = [];
    for (let i = 0; i < N; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, () => connect({ host: '127.0.0.1', port: portOf(listener) })),
      );
      for (const c of batch) {
        clients.push(c);
        servers.push(await listener.accept());
      }
    }
    try {
      const next = servers.map((s) => lines(s, { maxLineLength: 4096 }).next());
      await until(() => servers.every((s) => s.bytesReceived === 0));
      const before = held();
      for (let r = 1; r <= BYTES; r++) {
        for (const c of clients) void c.send('x');
        // Each byte lands as a read of its own: the next goes once every server has this one.
        await until(() => servers.every((s) => s.bytesReceived === r));
      }
      const perConnection = (held() - before) / N;
      expect(perConnection).toBeLessThanOrEqual(2 * BYTES + 2048); // was about 200 B per byte
      await Promise.all(clients.map((c) => c.send('\n')));
      for (const line of await Promise.all(next)) expect(line.value).toBe('x'.repeat(BYTES));
    } finally {
      await Promise.all([...clients, ...servers].map((c) => c.reset()));
    }
  });
});

describe('frameTimeout: a frame kept open by a trickling peer', () => {
  /** Sends `first`, then a byte of `trickle` every 20 ms (so no idle timeout would fire). */
  async function trickle(p: Pair, first: Uint8Array | string, stop: () => boolean): Promise<void> {
    await p.client.send(first);
    while (!stop()) {
      await delay(20);
      await p.client.send('z');
    }
  }

  const cases: [
    string,
    (p: Pair, frameTimeout: number) => Promise<unknown>,
    Uint8Array | string,
  ][] = [
    [
      'readUntil',
      (p, frameTimeout) => readUntil(p.server, '\r\n', { frameTimeout }),
      'GET / HTTP/1.1',
    ],
    ['lines', (p, frameTimeout) => lines(p.server, { frameTimeout }).next(), 'partial line'],
    ['readExactly', (p, frameTimeout) => readExactly(p.server, 1000, { frameTimeout }), 'some'],
    [
      'messages',
      (p, frameTimeout) => messages(p.server, { header: 'u16be', frameTimeout }).next(),
      new Uint8Array([0x03, 0xe8, 1, 2, 3]), // announces 1,000 bytes, sends 3
    ],
  ];

  it.each(cases)(
    '%s rejects with ERR_FRAME_TIMEOUT and gives every byte back',
    async (_name, read, first) => {
      await using p = await pair();
      let done = false;
      const started = Date.now();
      const feeding = trickle(p, first, () => done);
      const err = await read(p, 150).catch((e: unknown) => e);
      done = true;
      await feeding;
      expect(err).toBeInstanceOf(FrameTimeoutError);
      expect(err).toMatchObject({ code: 'ERR_FRAME_TIMEOUT', timeout: 150 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      // Nothing lost: the frame's bytes, then the trickle, are all still there to read.
      await p.client.shutdown('send');
      const rest = await readAll(p.server);
      const head = typeof first === 'string' ? Buffer.from(first) : Buffer.from(first);
      expect(rest.subarray(0, head.length).equals(head)).toBe(true);
      expect(rest.subarray(head.length).toString()).toMatch(/^z+$/);
    },
  );

  it('only the frame is timed: waiting for its first byte is not, and a frame done in time is fine', async () => {
    await using p = await pair();
    const line = lines(p.server, { frameTimeout: 100 }).next();
    await delay(250); // longer than frameTimeout before the first byte
    await p.client.send('hel');
    await delay(30);
    await p.client.send('lo\n');
    expect(await line).toEqual({ done: false, value: 'hello' });
  });

  it("the caller's own signal still wins with its reason; bad values are typed errors", async () => {
    await using p = await pair();
    const ac = new AbortController();
    const reading = readUntil(p.server, '\n', { frameTimeout: 10_000, signal: ac.signal });
    await p.client.send('abc');
    await until(() => p.server.bytesReceived === 3);
    ac.abort(new Error('mine'));
    await expect(reading).rejects.toBe(ac.signal.reason);
    expect(Buffer.from((await p.server.read()) as Uint8Array).toString()).toBe('abc');
    await expect(readUntil(p.server, '\n', { frameTimeout: 0 })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    await expect(readExactly(p.server, 1, { frameTimeout: 1.5 })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    expect(() => lines(p.server, { frameTimeout: '1' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => messages(p.server, { frameTimeout: 2 ** 31 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
  });
});
