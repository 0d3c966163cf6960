// Invariants 3 and 4 under random schedules (docs/design.md): the bytes the peer receives are
// the concatenation of the sends that resolved, in call order, whatever the mix of send(),
// trySend(), list and string sends, whatever aborts hit sends still waiting in the queue, and
// however fast the peer reads. Every aborted waiting send rejects with its signal's reason and
// sends nothing; so with bytes from the peer left unread, when small sends are gathered. The
// home of this behaviour is src/core/sender.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../src/core/index.js';
import { transports, until } from './helpers.js';
import { propertyRun } from './property.js';

type Kind = 'send' | 'trySend' | 'list' | 'string';

interface Op {
  kind: Kind;
  size: number;
  parts: number;
  /** Abort this send this many steps after it was issued (when it still waits then); -1: never. */
  abortAfter: number;
  /** Event-loop turns the sender lets go by before its next step. */
  pause: number;
}

interface Read {
  size: number;
  /** Event-loop turns the reader lets go by before this read. */
  stall: number;
}

const DRAIN: Read = { size: 256 * 1024, stall: 0 };

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The bytes of send `i`: printable ASCII (so a string send is the same bytes), marked by `i`. */
function payload(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let j = 0; j < size; j++) b[j] = 0x21 + ((i * 7 + j) % 90);
  return b;
}

function split(b: Buffer, parts: number): Buffer[] {
  const out: Buffer[] = [];
  const step = Math.ceil(b.length / parts);
  for (let off = 0; off < b.length; off += step) out.push(b.subarray(off, off + step));
  return out;
}

interface Issued {
  index: number;
  bytes: Buffer;
  ac: AbortController;
  aborted: boolean;
  outcome: Promise<number | { rejected: unknown }>;
}

/**
 * How many of the newest non-aborted sends wait in the queue now. Waiting sends are always the
 * newest ones (a send skips the queue only when nothing waits), so a send waits exactly when
 * it is among the newest `pendingSends - sendsInFlight` sends not aborted.
 */
function isWaiting(conn: Connection, issued: Issued[], target: Issued): boolean {
  const waiting = conn.pendingSends - conn.sendsInFlight;
  let rank = 0;
  for (let k = issued.length - 1; k >= 0; k--) {
    const s = issued[k] as Issued;
    if (s.aborted) continue;
    if (s === target) return rank < waiting;
    rank++;
  }
  return false;
}

function start(conn: Connection, op: Op, index: number): Issued {
  const bytes = payload(index, op.size);
  const ac = new AbortController();
  // A send that is never aborted goes without a signal: waiting sends without one share their
  // batch's promise, those with one have their own (src/core/sender.ts).
  const options = op.abortAfter >= 0 ? { signal: ac.signal } : {};
  let r: number | Promise<number>;
  if (op.kind === 'trySend') r = conn.trySend(bytes, options);
  else if (op.kind === 'list') r = conn.send(split(bytes, op.parts), options);
  else if (op.kind === 'string') r = conn.send(bytes.toString('latin1'), options);
  else r = conn.send(bytes, options);
  const outcome =
    typeof r === 'number'
      ? Promise.resolve(r)
      : r.then(
          (n) => n,
          (err: unknown) => ({ rejected: err }),
        );
  return { index, bytes, ac, aborted: false, outcome };
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Kind>('send', 'trySend', 'list', 'string'),
  // Small sends take the fast path; large ones fill the kernel's buffers (several MiB on
  // loopback) and queue up behind them.
  size: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 2048 }), weight: 3 },
    { arbitrary: fc.integer({ min: 64 * 1024, max: 400 * 1024 }), weight: 2 },
    { arbitrary: fc.integer({ min: 1024 * 1024, max: 3 * 1024 * 1024 }), weight: 1 },
  ),
  parts: fc.integer({ min: 1, max: 5 }),
  abortAfter: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 4 })),
  pause: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 })),
});

const readArb: fc.Arbitrary<Read> = fc.record({
  size: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 512 }), weight: 1 },
    { arbitrary: fc.integer({ min: 16 * 1024, max: 256 * 1024 }), weight: 4 },
  ),
  stall: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 })),
});

for (const { name, pair } of transports) {
  describe(`invariants 3 and 4: send order under random schedules, over ${name}`, () => {
    it('property: the peer receives exactly the resolved sends in call order; an aborted waiting send sends nothing', async () => {
      let aborts = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }),
          fc.array(opArb, { minLength: 1, maxLength: 24 }),
          fc.array(readArb, { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 0, max: 24 }),
          // Loopback absorbs about 4 MiB before a write stays pending: a first send of about that
          // much brings the schedule to the edge where later sends are in flight or wait.
          fc.oneof(fc.constant(0), fc.integer({ min: 3_500_000, max: 4_700_000 })),
          // Bytes from the peer left unread: small sends are then gathered into one write per
          // turn and resolve at once (src/core/sender.ts), in the same order as the rest.
          fc.boolean(),
          async (maxPendingSends, ops, reads, readFrom, prefill, unread) => {
            await using p = await pair({ maxPendingSends }, { receiveBufferSize: 64 * 1024 });
            const conn = p.client;
            if (unread) {
              await p.server.send('unread');
              await until(() => conn.bufferedBytes > 0);
            }

            // The peer reads nothing until step `readFrom` (the kernel's buffers fill and sends
            // queue up), then at the speeds `reads` gives, cycled, while sends are being issued
            // (that is what shapes the schedule), then drains at full speed until EOF.
            let issuing = true;
            let reading: () => void = () => {};
            const readingStarts = new Promise<void>((r) => (reading = r));
            const reader = (async () => {
              await readingStarts;
              const parts: Buffer[] = [];
              for (let i = 0; ; i++) {
                const r: Read = issuing ? (reads[i % reads.length] as Read) : DRAIN;
                for (let t = 0; t < r.stall; t++) await turn();
                const buf = Buffer.alloc(r.size);
                const n = await p.server.receive(buf);
                if (n === 0) return Buffer.concat(parts);
                parts.push(buf.subarray(0, n));
              }
            })();

            const issued: Issued[] = [];
            if (prefill > 0) {
              issued.push(
                start(
                  conn,
                  { kind: 'send', size: prefill, parts: 1, abortAfter: -1, pause: 0 },
                  -1,
                ),
              );
            }
            const due = new Map<number, Issued[]>();
            for (let step = 0; step < ops.length + 5; step++) {
              if (step === readFrom) reading();
              const op = ops[step];
              if (op !== undefined) {
                const s = start(conn, op, step);
                issued.push(s);
                if (op.abortAfter >= 0) {
                  const at = step + op.abortAfter;
                  due.set(at, [...(due.get(at) ?? []), s]);
                }
              }
              // Aborts due now hit only sends still waiting: an in-flight send cannot be taken
              // back (that resets the connection, invariant 4's other half, tested elsewhere).
              for (const s of due.get(step) ?? []) {
                if (isWaiting(conn, issued, s)) {
                  s.aborted = true;
                  aborts++;
                  s.ac.abort(new Error(`abort of send ${s.index}`));
                }
              }
              for (let t = 0; t < (op?.pause ?? 1); t++) await turn();
            }
            issuing = false;
            reading();
            const outcomes = await Promise.all(issued.map((s) => s.outcome));
            await conn.shutdown('send');
            const received = await reader;

            const expected: Buffer[] = [];
            issued.forEach((s, k) => {
              const o = outcomes[k];
              if (s.aborted) {
                const reason: unknown = s.ac.signal.reason;
                expect(o).toEqual({ rejected: reason });
              } else {
                expect(o).toBe(s.bytes.length);
                expected.push(s.bytes);
              }
            });
            const want = Buffer.concat(expected);
            expect(received.length).toBe(want.length);
            expect(received.equals(want)).toBe(true);
            expect(conn.bytesSent).toBe(want.length);
            expect(conn.pendingSends).toBe(0);
          },
        ),
        propertyRun(`send order over ${name}`, 30),
      );
      console.info(`[property] send order over ${name}: ${aborts} waiting sends aborted`);
      // The schedules did exercise the abort of waiting sends.
      expect(aborts).toBeGreaterThan(0);
    });
  });
}
