// Invariants 3 and 4 (sending side): order of send() calls, at most maxPendingSends in flight,
// aborts before hand-off send nothing, aborts after hand-off reset and report bytesWritten.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  connect,
  SendAbortedError,
  SendQueueFullError,
  SocketShutdownError,
} from '../src/core/index.js';
import {
  abortSendInFlight,
  pair,
  readAll,
  transports,
  turns,
  until,
  type Pair,
} from './helpers.js';

const KiB = 1024;

/** A message: 4-byte index, 4-byte length, then `size` bytes of the index's low byte. */
function message(index: number, size: number): Buffer {
  const b = Buffer.alloc(8 + size, index & 0xff);
  b.writeUInt32BE(index, 0);
  b.writeUInt32BE(size, 4);
  return b;
}

function parseMessages(all: Buffer): number[] {
  const order: number[] = [];
  let off = 0;
  while (off < all.length) {
    const index = all.readUInt32BE(off);
    const size = all.readUInt32BE(off + 4);
    const body = all.subarray(off + 8, off + 8 + size);
    expect(body.length).toBe(size);
    expect(body.every((x) => x === (index & 0xff))).toBe(true);
    order.push(index);
    off += 8 + size;
  }
  return order;
}

for (const { name, pair, syncWrites } of transports) {
  describe(`invariant 3: many senders, over ${name}`, () => {
    it('50 concurrent sends arrive whole, in call order, never more than maxPendingSends in flight', async () => {
      await using p = await pair({ maxPendingSends: 4 });
      let maxInFlight = 0;
      let sampling = true;
      const sample = (): void => {
        maxInFlight = Math.max(maxInFlight, p.client.writesInFlight);
        if (sampling) setImmediate(sample);
      };
      sample();
      // Sizes mix small sends (fast path) with large ones that stall while the peer does not read.
      const sizes = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? 700 * KiB : 10 + i));
      const sends = sizes.map((size, i) => {
        const s = p.client.send(message(i, size));
        maxInFlight = Math.max(maxInFlight, p.client.writesInFlight);
        return s;
      });
      // The peer reads nothing yet: the kernel buffers fill and sends queue up.
      await until(() => p.client.pendingSends > 4);
      const [all, counts] = await Promise.all([
        (async () => {
          const parts: Uint8Array[] = [];
          let total = 0;
          const expected = sizes.reduce((a, s) => a + 8 + s, 0);
          while (total < expected) {
            const c = (await p.server.read()) as Uint8Array;
            parts.push(c);
            total += c.length;
          }
          return Buffer.concat(parts);
        })(),
        Promise.all(sends),
      ]);
      sampling = false;
      expect(counts).toEqual(sizes.map((s) => s + 8));
      expect(parseMessages(all)).toEqual(sizes.map((_, i) => i));
      expect(maxInFlight).toBeGreaterThan(0);
      expect(maxInFlight).toBeLessThanOrEqual(4);
      expect(p.client.pendingSends).toBe(0);
    });

    it('small sends the kernel takes at once, then one it cannot: all arrive in order and bytesSent counts each', async () => {
      // The first send the kernel does not take whole makes the send queue and is adopted by it
      // (its write had no callback of its own): a list send, to cover the gathered write.
      await using p = await pair();
      const small = [message(1, 100), message(2, 100)];
      if (syncWrites) {
        for (const m of small) expect(p.client.trySend(m)).toBe(m.length);
      } else {
        // Nothing completes at once: trySend gives the send's promise, in order all the same.
        const tried = small.map((m) => p.client.trySend(m));
        for (const t of tried) expect(t).toBeInstanceOf(Promise);
        expect(await Promise.all(tried.map((t) => Promise.resolve(t)))).toEqual(
          small.map((m) => m.length),
        );
      }
      expect(p.client.bytesSent).toBe(216);
      const m3 = message(3, 8 << 20);
      const m4 = message(4, 8 << 20);
      const sending = p.client.send([m3, m4]);
      expect(p.client.sendsInFlight).toBe(1);
      const after = p.client.send(message(5, 100));
      const reader = readAll(p.server);
      expect(await sending).toBe(m3.length + m4.length);
      await after;
      expect(p.client.bytesSent).toBe(216 + m3.length + m4.length + 108);
      await p.client.shutdown('send');
      expect(parseMessages(await reader)).toEqual([1, 2, 3, 4, 5]);
    });

    it('send() resolves with the byte count: UTF-8 for strings, the sum for lists, 0 for nothing', async () => {
      await using p = await pair();
      expect(await p.client.send('héllo')).toBe(6);
      expect(await p.client.send([Buffer.from('ab'), new Uint8Array(3)])).toBe(5);
      expect(await p.client.send(new Uint8Array(0))).toBe(0);
      expect(await p.client.send('')).toBe(0);
      await p.client.shutdown('send');
      const got = await readAll(p.server);
      expect(got.length).toBe(11);
      expect(got.subarray(0, 6).toString()).toBe('héllo');
    });

    it('flush() resolves once every earlier send is with the OS', async () => {
      await using p = await pair({ maxPendingSends: 2 });
      const sends = [p.client.send(Buffer.alloc(4 << 20)), p.client.send(Buffer.alloc(4 << 20))];
      const flushed = p.client.flush();
      let done = false;
      void flushed.then(() => (done = true));
      // Nobody reads: 8 MiB do not fit in loopback buffers, so a send stays pending, and so does
      // the flush, however many turns go by.
      await until(() => p.client.sendsInFlight > 0);
      await turns(50);
      expect(p.client.pendingSends).toBeGreaterThan(0);
      expect(done).toBe(false);
      const reader = readAll(p.server);
      await flushed;
      await Promise.all(sends);
      expect(p.client.pendingSends).toBe(0);
      await p.client.shutdown('send');
      expect((await reader).length).toBe(8 << 20);
    });

    // Issue 16, defect 5: flush() resolved for sends that had failed.
    it.each([
      ['our reset()', async (p: Pair) => void (await p.client.reset())],
      ['the peer resetting', async (p: Pair) => void (await p.server.reset())],
      [
        'a close() whose signal fires',
        async (p: Pair) => void (await p.client.close({ signal: AbortSignal.timeout(20) })),
      ],
    ])('flush() rejects with the failure of the sends it waited for: %s', async (_what, end) => {
      await using p = await pair({ maxPendingSends: 2 });
      // Nobody reads: 8 MiB do not fit in loopback buffers, so the sends stay pending.
      const sends = [p.client.send(Buffer.alloc(4 << 20)), p.client.send(Buffer.alloc(4 << 20))];
      const outcomes = Promise.allSettled(sends);
      const flushed = p.client.flush().then(
        () => 'resolved',
        (e: unknown) => e,
      );
      await until(() => p.client.sendsInFlight > 0);
      await end(p);
      const failures = (await outcomes).filter((o) => o.status === 'rejected');
      expect(failures.length).toBeGreaterThan(0);
      expect(await flushed).toBe((failures[0] as PromiseRejectedResult).reason);
      // With nothing pending, a flush of the failed connection rejects too.
      await expect(p.client.flush()).rejects.toBe((failures[0] as PromiseRejectedResult).reason);
    });

    it('flush() waits for the sends before it, whatever settles after it, and rejects for an aborted one', async () => {
      await using p = await pair({ maxPendingSends: 1 });
      const big = p.client.send(Buffer.alloc(8 << 20)); // in flight: nobody reads yet
      await until(() => p.client.sendsInFlight > 0);
      const before = new AbortController();
      const aborted = p.client
        .send('never sent', { signal: before.signal })
        .catch((e: unknown) => e);
      const flushed = p.client.flush().then(
        () => 'resolved',
        (e: unknown) => e,
      );
      const after = new AbortController();
      const later = p.client
        .send('after the flush', { signal: after.signal })
        .catch((e: unknown) => e);
      const second = p.client.flush().then(() => 'resolved');
      let settled = false;
      void flushed.then(() => (settled = true));
      // Both waiting sends leave the queue now: the count of settled sends reaches the flush's,
      // but the 8 MiB send before it is still in flight.
      before.abort(new Error('changed my mind'));
      after.abort(new Error('this one too'));
      expect(await aborted).toBe(before.signal.reason);
      expect(await later).toBe(after.signal.reason);
      await turns(50);
      expect(settled).toBe(false);
      const reader = readAll(p.server);
      await big;
      expect(await flushed).toBe(before.signal.reason);
      // The second flush waited for the same sends plus one more: the first failure wins.
      await expect(second).rejects.toBe(before.signal.reason);
      await p.client.shutdown('send');
      expect((await reader).length).toBe(8 << 20);
      // Nothing pending and the connection fine: a new flush resolves.
      await expect(p.client.flush()).resolves.toBeUndefined();
    });

    it("shutdown('send') is not failed by a waiting send's own abort: FIN follows the rest", async () => {
      await using p = await pair({ maxPendingSends: 1 });
      const big = p.client.send(Buffer.alloc(8 << 20)); // in flight: nobody reads yet
      await until(() => p.client.sendsInFlight > 0);
      const ac = new AbortController();
      const aborted = p.client.send('never sent', { signal: ac.signal }).catch((e: unknown) => e);
      const shut = p.client.shutdown('send');
      ac.abort(new Error('changed my mind'));
      expect(await aborted).toBe(ac.signal.reason);
      const reader = readAll(p.server);
      await big;
      await shut;
      expect((await reader).length).toBe(8 << 20); // the end came: FIN after the 8 MiB
    });
  });
}

describe('invariant 4: aborting a send', () => {
  it('a send aborted while queued sends nothing and leaves the connection usable', async () => {
    await using p = await pair({ maxPendingSends: 1 });
    const big = p.client.send(message(1, 8 << 20)); // stalls in flight: nobody reads yet
    await until(() => p.client.sendsInFlight === 1);
    const ac = new AbortController();
    const queued = p.client.send(message(2, 1000), { signal: ac.signal });
    const after = p.client.send(message(3, 1000));
    expect(p.client.pendingSends).toBe(3);
    const reason = new Error('not this one');
    ac.abort(reason);
    await expect(queued).rejects.toBe(reason);
    const reader = readAll(p.server);
    await Promise.all([big, after]);
    await p.client.shutdown('send');
    expect(parseMessages(await reader)).toEqual([1, 3]);
  });

  it('a send aborted behind another waiting send sends nothing; the ones around it go in order', async () => {
    await using p = await pair({ maxPendingSends: 1 });
    const big = p.client.send(message(1, 8 << 20));
    await until(() => p.client.sendsInFlight === 1);
    const head = p.client.send(message(2, 1000)); // waits for the slot
    const ac = new AbortController();
    const behind = p.client.send(message(3, 1000), { signal: ac.signal });
    const last = p.client.send(message(4, 1000));
    ac.abort();
    await expect(behind).rejects.toMatchObject({ name: 'AbortError' });
    expect(p.client.pendingSends).toBe(3);
    const reader = readAll(p.server);
    await Promise.all([big, head, last]);
    await p.client.shutdown('send');
    expect(parseMessages(await reader)).toEqual([1, 2, 4]);
  });

  it('a send aborted after hand-off resets the connection and reports bytesWritten', async () => {
    await using p = await pair();
    const size = 32 << 20;
    const reason = new Error('give up');
    const err = await abortSendInFlight(p.client, size, reason);
    expect(err).toBeInstanceOf(SendAbortedError);
    expect(err.code).toBe('ERR_SOCKET_SEND_ABORTED');
    expect(err.cause).toBe(reason);
    expect(err.bytesWritten).toBeGreaterThan(0);
    expect(err.bytesWritten).toBeLessThan(size);
    const info = await p.client.closed;
    expect(info.reason).toBe('reset');
    // The peer sees the reset once it reads what had reached it, on every Node: libuv before
    // 1.52 (Node 20, 22) reports it as EOF, which sockflow checks (node-notes §2).
    const peer = await readAll(p.server).catch((e: unknown) => e);
    expect((peer as { code?: string }).code).toBe('ECONNRESET');
  });

  it('sends after shutdown("send") reject with ERR_SOCKET_SHUTDOWN', async () => {
    await using p = await pair();
    await p.client.shutdown('send');
    const err = await p.client.send('late').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketShutdownError);
    expect((err as SocketShutdownError).code).toBe('ERR_SOCKET_SHUTDOWN');
  });
});

describe('maxQueuedSendBytes: unawaited sends to a peer that does not read', () => {
  it('a send past the bound rejects at once with ERR_SOCKET_SEND_QUEUE_FULL, sends nothing, and the connection goes on', async () => {
    await using p = await pair({ maxPendingSends: 1, maxQueuedSendBytes: 64 * KiB });
    const big = p.client.send(Buffer.alloc(8 << 20, 1)); // in flight, stalled: nobody reads
    await until(() => p.client.sendsInFlight > 0);
    const accepted: Promise<number>[] = [];
    let refused: unknown;
    while (refused === undefined && accepted.length < 1000) {
      const before = p.client.pendingSends;
      const s = p.client.send(Buffer.alloc(KiB, 2));
      // A refused send never joins the pending ones: it has rejected already.
      if (p.client.pendingSends === before) refused = await s.catch((e: unknown) => e);
      else accepted.push(s);
    }
    expect(refused).toBeInstanceOf(SendQueueFullError);
    expect(refused).toMatchObject({ code: 'ERR_SOCKET_SEND_QUEUE_FULL' });
    expect(accepted.length).toBe(64); // exactly 64 KiB wait
    const reader = readAll(p.server);
    await big;
    await Promise.all(accepted);
    // Room again: sends are taken.
    await p.client.send(Buffer.alloc(KiB, 3));
    await p.client.shutdown('send');
    const got = await reader;
    expect(got.length).toBe((8 << 20) + 65 * KiB); // the refused KiB never went out
    expect(got.subarray(8 << 20, (8 << 20) + 64 * KiB).every((b) => b === 2)).toBe(true);
    expect(got.subarray((8 << 20) + 64 * KiB).every((b) => b === 3)).toBe(true);
  });

  it('a send that finds nothing waiting is taken whatever its size; Infinity lifts the bound', async () => {
    await using p = await pair({ maxPendingSends: 1, maxQueuedSendBytes: KiB });
    const first = p.client.send(Buffer.alloc(4 << 20));
    await until(() => p.client.sendsInFlight > 0);
    const second = p.client.send(Buffer.alloc(2 << 20)); // waits alone: more than the bound, taken
    await expect(p.client.send('x')).rejects.toBeInstanceOf(SendQueueFullError);
    const reader = readAll(p.server);
    await Promise.all([first, second]);
    await p.client.shutdown('send');
    expect((await reader).length).toBe(6 << 20);
    await using q = await pair({ maxPendingSends: 1, maxQueuedSendBytes: Infinity });
    const sends = [q.client.send(Buffer.alloc(4 << 20))];
    for (let i = 0; i < 100; i++) sends.push(q.client.send(Buffer.alloc(64 * KiB)));
    const r = readAll(q.server);
    await Promise.all(sends);
    await q.client.shutdown('send');
    expect((await r).length).toBe((4 << 20) + 100 * 64 * KiB);
    await expect(connect({ port: 9 }, { maxQueuedSendBytes: -1 })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
  });

  it('a million unawaited 1 KiB sends of one buffer: memory stays bounded, the rest are refused', async () => {
    await using p = await pair({ maxPendingSends: 1 }); // the default bound: 16 MiB waiting
    const big = p.client.send(Buffer.alloc(8 << 20)); // stalls: nobody reads
    await until(() => p.client.sendsInFlight > 0);
    const chunk = Buffer.alloc(KiB);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let refused = 0;
    const accepted: Promise<number>[] = [];
    // In rounds of 10,000, as a loop that yields now and then would: the refusals of a round
    // are settled before the next (a million rejected promises at once are the caller's own).
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 10_000; i++) {
        const s = p.client.send(chunk);
        if (p.client.pendingSends > accepted.length + 1) accepted.push(s);
        else s.catch(() => refused++);
      }
      await turns(1);
    }
    await turns(5);
    expect(accepted.length).toBe(16 * 1024); // 16 MiB of 1 KiB sends wait
    expect(refused).toBe(1_000_000 - accepted.length);
    // Each waiting send costs its bookkeeping (not its payload: one shared buffer).
    gc();
    const perWaitingSend = (process.memoryUsage().heapUsed - heapBefore) / accepted.length;
    // About 130 B (a promise, its reaction, three list slots; bench case send-queue); 1.3 KB
    // before sends that wait were gathered into batches sharing a promise.
    expect(perWaitingSend).toBeLessThan(400);
    const reader = readAll(p.server);
    await big;
    await Promise.all(accepted);
    await p.client.shutdown('send');
    expect((await reader).length).toBe((8 << 20) + accepted.length * KiB);
  });
});

describe('waiting sends go out gathered', () => {
  it('sends of every kind that waited together go out as one write, in order, each resolving with its own count', async () => {
    await using p = await pair({ maxPendingSends: 1 });
    const big = p.client.send(message(1, 8 << 20)); // in flight, stalled: nobody reads yet
    await until(() => p.client.sendsInFlight === 1);
    const ac = new AbortController();
    const m = [2, 3, 4, 5, 6].map((i) => message(i, 100 + i));
    const waiting = [
      p.client.send(m[0] as Buffer),
      p.client.send((m[1] as Buffer).toString('latin1')), // bytes < 0x80: UTF-8 is the same
      p.client.send([(m[2] as Buffer).subarray(0, 5), (m[2] as Buffer).subarray(5)]),
      p.client.send(m[3] as Buffer, { signal: ac.signal }),
      p.client.send(m[4] as Buffer),
    ];
    expect(p.client.pendingSends).toBe(6);
    expect(p.client.sendsInFlight).toBe(1);
    const reader = readAll(p.server);
    await big;
    expect(await Promise.all(waiting)).toEqual(m.map((b) => b.length));
    expect(p.client.writesInFlight).toBe(0);
    await p.client.shutdown('send');
    expect(parseMessages(await reader)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('while a gathered write is in flight it counts once against maxPendingSends', async () => {
    await using p = await pair({ maxPendingSends: 1, maxQueuedSendBytes: Infinity });
    const big = p.client.send(message(1, 8 << 20));
    await until(() => p.client.sendsInFlight === 1);
    // Large enough that their gathered write stalls too.
    const waiting = [2, 3, 4].map((i) => p.client.send(message(i, 8 << 20)));
    const reader = readAll(p.server);
    await big;
    await until(() => p.client.sendsInFlight === 3);
    expect(p.client.writesInFlight).toBe(1);
    await Promise.all(waiting);
    await p.client.shutdown('send');
    expect(parseMessages(await reader)).toEqual([1, 2, 3, 4]);
  });

  it('a thousand waiting sends share one signal: one abort listener, and its abort takes them all out', async () => {
    // test/setup.ts fails a test on any process warning: a listener per send would raise
    // MaxListenersExceededWarning past 10.
    await using p = await pair({ maxPendingSends: 1 });
    const big = p.client.send(message(1, 8 << 20));
    await until(() => p.client.sendsInFlight === 1);
    const ac = new AbortController();
    const shared = Array.from({ length: 1000 }, (_, i) =>
      p.client.send(message(2 + i, 10), { signal: ac.signal }),
    );
    const last = p.client.send(message(5000, 10));
    const reason = new Error('enough');
    ac.abort(reason);
    for (const s of shared) await expect(s).rejects.toBe(reason);
    expect(p.client.pendingSends).toBe(2);
    const reader = readAll(p.server);
    await Promise.all([big, last]);
    await p.client.shutdown('send');
    expect(parseMessages(await reader)).toEqual([1, 5000]);
  });

  it('sends in flight that share a signal each report their own bytesWritten, then the connection is reset', async () => {
    await using p = await pair({ maxPendingSends: 4 });
    const ac = new AbortController();
    const sends = [1, 2, 3].map((i) =>
      p.client.send(message(i, 8 << 20), { signal: ac.signal }).catch((e: unknown) => e),
    );
    await until(() => p.client.sendsInFlight === 3);
    ac.abort();
    const errors = (await Promise.all(sends)) as SendAbortedError[];
    let total = 0;
    for (const e of errors) {
      expect(e).toBeInstanceOf(SendAbortedError);
      expect(e.bytesWritten).toBeLessThanOrEqual((8 << 20) + 8);
      total += e.bytesWritten;
    }
    // The first send's bytes go first: the later ones cannot have more reach the OS.
    expect(errors[0]?.bytesWritten).toBeGreaterThanOrEqual(errors[1]?.bytesWritten ?? 0);
    expect(total).toBeLessThan(3 * ((8 << 20) + 8));
    expect((await p.client.closed).reason).toBe('reset');
  });
});
