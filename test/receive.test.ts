// Invariant 1: receive(into) copies and counts, read() hands chunks over as they arrived,
// chunks() and for await end at EOF; 0 / null mean EOF.
import { describe, expect, it } from 'vitest';
import { type Connection } from '../src/core/index.js';
import { random, readAll, transports } from './helpers.js';
import { seededRandom } from './property.js';

const MiB = 1024 * 1024;

/** Sends `data` in random-size sends, about a third of them as lists of 3 buffers. */
async function sendRandomly(conn: Connection, data: Buffer, name: string): Promise<void> {
  const rand = seededRandom(name);
  let off = 0;
  const sends: Promise<number>[] = [];
  while (off < data.length) {
    const size = Math.min(data.length - off, 1 + Math.floor(rand() * 256 * 1024));
    const piece = data.subarray(off, off + size);
    off += size;
    if (rand() < 0.35 && size >= 4) {
      const a = Math.floor(size / 3);
      const b = Math.floor((2 * size) / 3);
      sends.push(conn.send([piece.subarray(0, a), piece.subarray(a, b), piece.subarray(b)]));
    } else {
      sends.push(conn.send(piece));
    }
    // Keep a bounded number of sends outstanding, like a producer awaiting now and then.
    if (sends.length >= 32) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  await conn.shutdown('send');
}

type Drain = (conn: Connection, total: number) => Promise<Buffer>;

const drains: [string, Drain][] = [
  [
    'receive(into)',
    async (conn, total) => {
      const out = Buffer.alloc(total);
      const buf = new Uint8Array(64 * 1024 - 7);
      let at = 0;
      for (let n; (n = await conn.receive(buf)) > 0; at += n) out.set(buf.subarray(0, n), at);
      expect(at).toBe(total);
      return out;
    },
  ],
  [
    'receive([a, b, c])',
    async (conn, total) => {
      const out = Buffer.alloc(total);
      const parts = [new Uint8Array(1000), new Uint8Array(1), new Uint8Array(40_000)];
      let at = 0;
      for (let n; (n = await conn.receive(parts)) > 0;) {
        let left = n;
        for (const p of parts) {
          const take = Math.min(left, p.length);
          out.set(p.subarray(0, take), at);
          at += take;
          left -= take;
        }
      }
      expect(at).toBe(total);
      return out;
    },
  ],
  ['read()', (conn) => readAll(conn)],
  [
    'for await',
    async (conn) => {
      const parts: Uint8Array[] = [];
      for await (const c of conn) parts.push(c);
      return Buffer.concat(parts);
    },
  ],
];

for (const { name: transport, pair } of transports) {
  describe(`invariant 1: receive, over ${transport}`, () => {
    for (const [name, drain] of drains) {
      it(`64 MiB sent in random sends arrive byte-identical through ${name}`, async () => {
        await using p = await pair();
        const data = random(64 * MiB);
        const [got] = await Promise.all([
          drain(p.server, data.length),
          sendRandomly(p.client, data, `random sends through ${name} over ${transport}`),
        ]);
        expect(got.length).toBe(data.length);
        expect(got.equals(data)).toBe(true);
        expect(p.server.bytesReceived).toBe(data.length);
        expect(p.client.bytesSent).toBe(data.length);
      });
    }

    it('receive() resolves with the count copied and keeps the rest for the next receive', async () => {
      await using p = await pair();
      await p.client.send('abcdefgh');
      const buf = new Uint8Array(3);
      // The 8 bytes may arrive split; collect until all are in.
      const seen: string[] = [];
      let total = 0;
      while (total < 8) {
        const n = await p.server.receive(buf);
        expect(n).toBeGreaterThan(0);
        expect(n).toBeLessThanOrEqual(3);
        seen.push(Buffer.from(buf.subarray(0, n)).toString());
        total += n;
      }
      expect(seen.join('')).toBe('abcdefgh');
    });

    it('receive([a, b]) fills each buffer before the next', async () => {
      await using p = await pair();
      await p.client.send('0123456789');
      await p.client.shutdown('send');
      const a = new Uint8Array(4);
      const b = new Uint8Array(10);
      let total = 0;
      const out: number[] = [];
      for (let n; (n = await p.server.receive([a, b])) > 0;) {
        total += n;
        out.push(...a.subarray(0, Math.min(n, 4)), ...b.subarray(0, Math.max(0, n - 4)));
      }
      expect(total).toBe(10);
      expect(Buffer.from(out).toString()).toBe('0123456789');
    });

    it('receive() returns 0 at EOF, and again on every later call', async () => {
      await using p = await pair();
      await p.client.shutdown('send');
      const buf = new Uint8Array(10);
      expect(await p.server.receive(buf)).toBe(0);
      expect(await p.server.receive(buf)).toBe(0);
      expect(await p.server.read()).toBeNull();
    });

    it('read() resolves with null at EOF after the last chunk', async () => {
      await using p = await pair();
      await p.client.send('last');
      await p.client.shutdown('send');
      expect(Buffer.from((await readAll(p.server)).toString()).toString()).toBe('last');
      expect(await p.server.read()).toBeNull();
    });

    it('chunks() ends at EOF', async () => {
      await using p = await pair();
      await p.client.send('x');
      await p.client.shutdown('send');
      const got: string[] = [];
      for await (const c of p.server.chunks()) got.push(Buffer.from(c).toString());
      expect(got.join('')).toBe('x');
    });

    it('unshift() gives bytes back to the front, and a waiting receive gets them at once', async () => {
      await using p = await pair();
      await p.client.send('world');
      const first = (await p.server.read()) as Uint8Array;
      p.server.unshift(new TextEncoder().encode('hello '));
      const buf = new Uint8Array(100);
      let text = '';
      const n = await p.server.receive(buf);
      text += Buffer.from(buf.subarray(0, n)).toString();
      expect(text.startsWith('hello ')).toBe(true);
      // A receive that waits is satisfied by unshift directly.
      const pending = p.server.read();
      p.server.unshift(first);
      expect(Buffer.from((await pending) as Uint8Array).toString()).toBe(
        Buffer.from(first).toString(),
      );
    });
  });
}
