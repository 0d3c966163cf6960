// Property tests: random message sizes, random chunking and random aborts never lose, reorder
// or duplicate a byte through the framing helpers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/index.js';
import {
  lineBatches,
  lines,
  messageBatches,
  messages,
  readExactly,
  sendMessage,
  type MessageHeader,
} from '../../src/streams/index.js';
import { pair } from '../helpers.js';
import { propertyRun } from '../property.js';

const RUNS = 100;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Cuts `data` into pieces of the given sizes, cycling through them. */
function cut(data: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length] as number;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

/**
 * Sends the pieces one by one, letting the reader run between them, and aborts the reader's
 * current step after the pieces marked in `aborts`; then half-closes.
 */
async function trickle(
  conn: Connection,
  pieces: Uint8Array[],
  aborts: boolean[],
  current: () => AbortController,
): Promise<void> {
  for (let i = 0; i < pieces.length; i++) {
    await conn.send(pieces[i] as Uint8Array);
    await tick();
    if (aborts[i % aborts.length]) current().abort();
    await tick();
  }
  await conn.shutdown('send');
}

/** Runs `read` with a fresh signal until it completes without being aborted. */
async function untilDone(
  read: (signal: AbortSignal) => Promise<void>,
  setCurrent: (ac: AbortController) => void,
): Promise<void> {
  for (;;) {
    const ac = new AbortController();
    setCurrent(ac);
    try {
      await read(ac.signal);
      return;
    } catch (err) {
      if (!ac.signal.aborted || err !== ac.signal.reason) throw err;
    }
  }
}

/** The framed stream, built by sendMessage on a pair of its own: what a peer sends. */
async function framedBy(payloads: Uint8Array[], kind: MessageHeader): Promise<Buffer> {
  await using q = await pair();
  for (const m of payloads) await sendMessage(q.client, m, { header: kind });
  await q.client.shutdown('send');
  const parts: Uint8Array[] = [];
  for await (const c of q.server) parts.push(c);
  return Buffer.concat(parts);
}

const LIMIT: Record<MessageHeader, number> = { u8: 255, u16be: 2000, u32be: 2000, varint: 2000 };

describe('framing under random chunking and aborts', () => {
  it('messages(): every payload arrives once, whole and in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<MessageHeader>('u8', 'u16be', 'u32be', 'varint'),
        fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        async (kind, rawSizes, chunkSizes, aborts) => {
          await using p = await pair();
          const payloads = rawSizes.map((n, i) =>
            new Uint8Array(Math.min(n, LIMIT[kind])).map((_, j) => (i * 31 + j) & 0xff),
          );
          const framed = await framedBy(payloads, kind);
          let current = new AbortController();
          const got: Uint8Array[] = [];
          const reading = untilDone(
            async (signal) => {
              for await (const m of messages(p.server, { header: kind, signal })) got.push(m);
            },
            (ac) => (current = ac),
          );
          await trickle(p.client, cut(framed, chunkSizes), aborts, () => current);
          await reading;
          expect(got.map((m) => Buffer.from(m).toString('hex'))).toEqual(
            payloads.map((m) => Buffer.from(m).toString('hex')),
          );
        },
      ),
      propertyRun('messages() under random chunking and aborts', RUNS),
    );
  });

  it('messageBatches() mixed with messages(): every payload arrives once, whole and in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<MessageHeader>('u8', 'u16be', 'u32be', 'varint'),
        // Small messages too, so that one received piece holds several (batches of more than one).
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2000 })), {
          maxLength: 16,
        }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        async (kind, rawSizes, chunkSizes, aborts, maxBatch, useBatches) => {
          await using p = await pair();
          const payloads = rawSizes.map((n, i) =>
            new Uint8Array(Math.min(n, LIMIT[kind])).map((_, j) => (i * 17 + j) & 0xff),
          );
          const framed = await framedBy(payloads, kind);
          let current = new AbortController();
          const got: Uint8Array[] = [];
          let step = 0;
          const reading = untilDone(
            async (signal) => {
              // Each step takes a batch or a single message, as the schedule says: the two
              // share the connection's unread bytes without losing or repeating one.
              for (;;) {
                const batched = useBatches[step++ % useBatches.length] as boolean;
                const it = batched
                  ? messageBatches(p.server, { header: kind, signal, maxBatch })
                  : messages(p.server, { header: kind, signal });
                const r = await it.next();
                if (r.done === true) return;
                const value = r.value;
                if (Array.isArray(value)) {
                  expect(value.length).toBeGreaterThan(0);
                  expect(value.length).toBeLessThanOrEqual(maxBatch);
                  got.push(...value.map((m) => m.slice()));
                } else got.push(value.slice());
              }
            },
            (ac) => (current = ac),
          );
          await trickle(p.client, cut(framed, chunkSizes), aborts, () => current);
          await reading;
          expect(got.map((m) => Buffer.from(m).toString('hex'))).toEqual(
            payloads.map((m) => Buffer.from(m).toString('hex')),
          );
        },
      ),
      propertyRun('messageBatches() mixed with messages() under random chunking and aborts', RUNS),
    );
  });

  it('lines(): every line arrives once, decoded, whatever the chunking and aborts', async () => {
    const line = fc
      .string({ unit: 'grapheme', maxLength: 30 })
      .map((s) => s.replace(/[\r\n]/g, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(line, fc.boolean()), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        async (ls, chunkSizes, aborts) => {
          await using p = await pair();
          const textIn = ls.map(([l, crlf]) => l + (crlf ? '\r\n' : '\n')).join('');
          let current = new AbortController();
          const got: string[] = [];
          const reading = untilDone(
            async (signal) => {
              for await (const l of lines(p.server, { signal })) got.push(l);
            },
            (ac) => (current = ac),
          );
          await trickle(
            p.client,
            cut(new TextEncoder().encode(textIn), chunkSizes),
            aborts,
            () => current,
          );
          await reading;
          expect(got).toEqual(ls.map(([l]) => l));
        },
      ),
      propertyRun('lines() under random chunking and aborts', RUNS),
    );
  });

  it('lineBatches() mixed with lines(): every line arrives once, decoded, whatever the chunking and aborts', async () => {
    const line = fc
      .string({ unit: 'grapheme', maxLength: 30 })
      .map((s) => s.replace(/[\r\n]/g, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(line, fc.boolean()), { maxLength: 16 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (ls, chunkSizes, aborts, maxBatch, useBatches, lastWithoutNewline) => {
          await using p = await pair();
          let textIn = ls.map(([l, crlf]) => l + (crlf ? '\r\n' : '\n')).join('');
          const want = ls.map(([l]) => l);
          if (lastWithoutNewline) {
            textIn += 'tail';
            want.push('tail');
          }
          let current = new AbortController();
          const got: string[] = [];
          let step = 0;
          const reading = untilDone(
            async (signal) => {
              for (;;) {
                const batched = useBatches[step++ % useBatches.length] as boolean;
                const it = batched
                  ? lineBatches(p.server, { signal, maxBatch })
                  : lines(p.server, { signal });
                const r = await it.next();
                if (r.done === true) return;
                const value = r.value;
                if (Array.isArray(value)) {
                  expect(value.length).toBeGreaterThan(0);
                  expect(value.length).toBeLessThanOrEqual(maxBatch);
                  got.push(...value);
                } else got.push(value);
              }
            },
            (ac) => (current = ac),
          );
          await trickle(
            p.client,
            cut(new TextEncoder().encode(textIn), chunkSizes),
            aborts,
            () => current,
          );
          await reading;
          expect(got).toEqual(want);
        },
      ),
      propertyRun('lineBatches() mixed with lines() under random chunking and aborts', RUNS),
    );
  });

  it('readExactly(): random sizes and aborts reassemble the stream exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 200, maxLength: 3000, size: 'max' }),
        // Reads larger than the pieces, so aborts land inside partly taken reads.
        fc.array(fc.integer({ min: 16, max: 600 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        async (data, readSizes, chunkSizes, aborts) => {
          await using p = await pair();
          let current = new AbortController();
          const got: Uint8Array[] = [];
          let total = 0;
          const reading = (async () => {
            for (let i = 0; total < data.length; i++) {
              const n = Math.min(readSizes[i % readSizes.length] as number, data.length - total);
              await untilDone(
                async (signal) => {
                  const b = await readExactly(p.server, n, { signal });
                  got.push(b);
                  total += b.length;
                },
                (ac) => (current = ac),
              );
            }
          })();
          await trickle(p.client, cut(data, chunkSizes), aborts, () => current);
          await reading;
          expect(Buffer.concat(got).equals(Buffer.from(data))).toBe(true);
          expect(await p.server.read()).toBeNull();
        },
      ),
      propertyRun('readExactly() under random chunking and aborts', RUNS),
    );
  });
});
