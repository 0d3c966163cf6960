// A model test (issue 16): random sequences of sends, receives, reads, iterator steps, aborts,
// shutdown, close and reset on both ends of a connection, each checked against a small
// reference model of what it must return. The model keeps, per direction, the bytes sent and
// consumed, and per end whether it shut down sending, is closing, or was reset; every
// operation's outcome (value, bytes, or error class and code) follows from it. The seed is
// printed and FC_SEED replays it (test/property.ts).
//
// Operations run one at a time, so the model is exact: before a receive, the bytes the peer's
// resolved sends carried are given time to arrive (they are small enough to fit the receive
// buffer, so they all do). A receive that would wait forever (nothing sent, no FIN) is
// aborted instead, which the model also checks: it consumes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloseInfo, Connection } from '../src/core/index.js';
import { delay, transports, until } from './helpers.js';
import { propertyRun } from './property.js';

/** Unread bytes per direction at most: well within receiveBufferSize, so sends never stall. */
const UNREAD_LIMIT = 128 * 1024;

type Side = 0 | 1;
type Op =
  | { kind: 'send'; side: Side; size: number; list: boolean }
  | { kind: 'receive'; side: Side; size: number; abortFirst: boolean }
  | { kind: 'read'; side: Side; abortFirst: boolean }
  | { kind: 'step'; side: Side }
  | { kind: 'break'; side: Side }
  | { kind: 'shutdown'; side: Side }
  | { kind: 'close'; side: Side }
  | { kind: 'reset'; side: Side };

const side = fc.constantFrom<Side>(0, 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      side,
      size: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 32 * 1024 })),
      list: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('receive' as const),
      side,
      size: fc.integer({ min: 1, max: 40 * 1024 }),
      abortFirst: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('read' as const), side, abortFirst: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('step' as const), side }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('break' as const), side }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('shutdown' as const), side }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), side }) },
);
/** A sequence, ending in a reset one time in three (a reset ends what can be checked). */
const sequenceArb: fc.Arbitrary<Op[]> = fc
  .tuple(
    fc.array(opArb, { minLength: 1, maxLength: 30 }),
    fc.option(fc.record({ kind: fc.constant('reset' as const), side }), { freq: 2 }),
  )
  .map(([ops, reset]) => (reset === null ? ops : [...ops, reset]));

/** The byte at offset `k` of the stream sent by `from`: content is checked, not just counts. */
function byteAt(from: Side, k: number): number {
  return (k * 31 + from * 101 + (k >> 8)) & 0xff;
}

function bytesOf(from: Side, start: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = byteAt(from, start + i);
  return b;
}

/** The model of one end. */
interface End {
  conn: Connection;
  /** Bytes this end's resolved sends carried (the stream it sent). */
  sent: number;
  /** Bytes of the peer's stream this end has consumed. */
  consumed: number;
  sendShut: boolean;
  closing: Promise<CloseInfo> | undefined;
  iterator: AsyncIterator<Uint8Array> | undefined;
}

async function settled<T>(p: Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  try {
    return { ok: await p };
  } catch (error) {
    return { error };
  }
}

const codeOf = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

for (const { name, pair } of transports) {
  describe(`model: random operations on both ends, over ${name}`, () => {
    it('property: every operation returns what the model says', async () => {
      await fc.assert(
        fc.asyncProperty(sequenceArb, async (ops) => {
          await using p = await pair();
          const ends: [End, End] = [
            {
              conn: p.client,
              sent: 0,
              consumed: 0,
              sendShut: false,
              closing: undefined,
              iterator: undefined,
            },
            {
              conn: p.server,
              sent: 0,
              consumed: 0,
              sendShut: false,
              closing: undefined,
              iterator: undefined,
            },
          ];
          const closedError = { code: 'ERR_SOCKET_CLOSED' };

          /** Checks `chunk` is the next bytes of the peer's stream, and consumes them. */
          const consume = (me: End, peerSide: Side, chunk: Uint8Array): void => {
            const peer = ends[peerSide];
            expect(chunk.length).toBeGreaterThan(0);
            expect(me.consumed + chunk.length).toBeLessThanOrEqual(peer.sent);
            expect(Buffer.from(chunk).equals(bytesOf(peerSide, me.consumed, chunk.length))).toBe(
              true,
            );
            me.consumed += chunk.length;
          };

          for (const op of ops) {
            const me = ends[op.side];
            const peerSide: Side = op.side === 0 ? 1 : 0;
            const peer = ends[peerSide];
            const conn = me.conn;
            const available = peer.sent - me.consumed;
            // The peer's FIN comes after all its bytes.
            const eofAhead = peer.sendShut && available === 0;
            if (op.kind === 'reset') {
              // Terminal: the rest of the sequence is the reset's, checked below.
              const info = await conn.reset();
              expect(['reset', 'closed']).toContain(info.reason);
              await expect(conn.send('x')).rejects.toMatchObject(closedError);
              await expect(conn.read()).rejects.toMatchObject(closedError);
              // The peer: bytes already with it are still delivered, then an error with a
              // code (Node 20 may report a reset as EOF: node-notes §2). Nothing hangs.
              if (peer.closing === undefined) {
                for (;;) {
                  const r = await settled(peer.conn.read());
                  if ('error' in r) {
                    expect(codeOf(r.error)).toEqual(expect.any(String));
                    break;
                  }
                  if (r.ok === null) break;
                  consume(peer, op.side, r.ok);
                }
                // Once the reset has arrived, sends fail with it. A send may still reach the
                // kernel before the RST is seen (the peer answers it with another): retry a
                // while, each send settling.
                let s = await settled(peer.conn.send('y'));
                for (let i = 0; i < 100 && !('error' in s); i++) {
                  await delay(10);
                  s = await settled(peer.conn.send('y'));
                }
                expect('error' in s && typeof codeOf(s.error) === 'string').toBe(true);
                const peerInfo = await peer.conn.closed;
                if (peerInfo.reason === 'error') {
                  // Over TLS, a reset Node 20 reports as EOF is an end without close_notify.
                  expect(name).toBe('TLS');
                  expect(codeOf(peerInfo.error)).toBe('ERR_TLS_TRUNCATED');
                } else {
                  expect(['peer-reset', 'closed']).toContain(peerInfo.reason);
                }
              }
              return;
            }
            const gone = me.closing !== undefined;
            switch (op.kind) {
              case 'send': {
                if (!gone && !me.sendShut && available + op.size > UNREAD_LIMIT) break;
                const data = bytesOf(op.side, me.sent, op.size);
                const cut = op.size >> 1;
                const r = await settled(
                  op.list && cut > 0
                    ? conn.send([data.subarray(0, cut), data.subarray(cut)])
                    : conn.send(data),
                );
                if (gone) expect(r).toMatchObject({ error: closedError });
                else if (me.sendShut)
                  expect(r).toMatchObject({ error: { code: 'ERR_SOCKET_SHUTDOWN' } });
                else {
                  expect(r).toEqual({ ok: op.size });
                  me.sent += op.size;
                }
                break;
              }
              case 'receive':
              case 'read': {
                const reason = new Error('model abort');
                if (op.abortFirst || (!gone && available === 0 && !peer.sendShut)) {
                  // Aborted before anything came (at once, or while it waits): rejects with
                  // the reason, or the closed error first when the end is gone.
                  const ac = new AbortController();
                  if (op.abortFirst) ac.abort(reason);
                  const pending =
                    op.kind === 'receive'
                      ? settled(conn.receive(new Uint8Array(op.size), { signal: ac.signal }))
                      : settled(conn.read({ signal: ac.signal }));
                  ac.abort(reason);
                  const r = await pending;
                  if (gone && !op.abortFirst) expect(r).toMatchObject({ error: closedError });
                  else if (!gone) expect(r).toEqual({ error: reason });
                  else expect('error' in r).toBe(true);
                  break;
                }
                if (gone) {
                  const r = await settled(conn.read());
                  expect(r).toMatchObject({ error: closedError });
                  break;
                }
                // What the peer's resolved sends carried has arrived before we look.
                await until(() => conn.bufferedBytes >= available);
                if (op.kind === 'receive') {
                  const into = new Uint8Array(op.size);
                  const n = await conn.receive(into);
                  if (eofAhead) expect(n).toBe(0);
                  else {
                    expect(n).toBe(Math.min(op.size, available));
                    consume(me, peerSide, into.subarray(0, n));
                  }
                } else {
                  const chunk = await conn.read();
                  if (eofAhead) expect(chunk).toBeNull();
                  else consume(me, peerSide, chunk as Uint8Array);
                }
                break;
              }
              case 'step': {
                if (gone) {
                  const r = await settled(conn.chunks().next());
                  expect(r).toMatchObject({ error: closedError });
                  break;
                }
                if (available === 0 && !peer.sendShut) break; // would wait: not stepped
                await until(() => conn.bufferedBytes >= available);
                me.iterator ??= conn.chunks();
                const r = await me.iterator.next();
                if (eofAhead) {
                  expect(r.done).toBe(true);
                  me.iterator = undefined;
                } else {
                  expect(r.done).toBe(false);
                  consume(me, peerSide, r.value as Uint8Array);
                }
                break;
              }
              case 'break': {
                // Leaving an iteration closes nothing: bytes stay for the next receive.
                await me.iterator?.return?.();
                me.iterator = undefined;
                break;
              }
              case 'shutdown': {
                const r = await settled(conn.shutdown('send'));
                if (gone) expect('error' in r || r.ok === undefined).toBe(true);
                else {
                  expect(r).toEqual({ ok: undefined });
                  me.sendShut = true;
                }
                break;
              }
              case 'close': {
                // Not awaited: a graceful close completes once the peer's FIN arrives. From
                // now on this end's operations reject; what arrives for it is dropped, and its
                // FIN follows its bytes.
                me.closing ??= conn.close();
                me.sendShut = true;
                me.iterator = undefined;
                break;
              }
            }
          }
          // Both ends close: each completes once the other's FIN arrives.
          for (const end of ends) end.closing ??= end.conn.close();
          const infos = await Promise.all(ends.map((e) => e.closing as Promise<CloseInfo>));
          for (const [i, info] of infos.entries()) {
            expect(info.reason).toBe('closed');
            expect(info.bytesSent).toBe(ends[i as Side].sent);
          }
        }),
        { ...propertyRun(`model over ${name}`, name === 'TLS' ? 20 : 60), timeout: 10_000 },
      );
    });
  });
}
