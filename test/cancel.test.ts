// Invariant 2: an aborted receive, read or iterator step rejects with signal.reason and
// consumes nothing; every byte reaches the next caller, in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Connection } from '../src/core/index.js';
import { delay, transports, until } from './helpers.js';
import { propertyRun } from './property.js';

for (const { name, pair } of transports) {
  describe(`invariant 2: cancel-safe receives, over ${name}`, () => {
    it('an aborted receive() rejects with signal.reason and the bytes go to the next receive', async () => {
      await using p = await pair();
      const ac = new AbortController();
      const pending = p.server.receive(new Uint8Array(10), { signal: ac.signal });
      const reason = new Error('stop');
      ac.abort(reason);
      await expect(pending).rejects.toBe(reason);
      await p.client.send('after');
      const buf = new Uint8Array(10);
      const n = await p.server.receive(buf);
      expect(Buffer.from(buf.subarray(0, n)).toString()).toBe('after');
    });

    it('AbortSignal.timeout() gives a TimeoutError', async () => {
      await using p = await pair();
      const err = await p.server.read({ signal: AbortSignal.timeout(20) }).catch((e: unknown) => e);
      expect((err as Error).name).toBe('TimeoutError');
    });

    it('an already-aborted signal rejects with its reason and consumes nothing buffered', async () => {
      await using p = await pair();
      await p.client.send('kept');
      await until(() => p.server.bufferedBytes === 4);
      const signal = AbortSignal.abort(new Error('pre'));
      await expect(p.server.receive(new Uint8Array(4), { signal })).rejects.toThrow('pre');
      await expect(p.server.read({ signal })).rejects.toThrow('pre');
      const it1 = p.server.chunks({ signal });
      await expect(it1.next()).rejects.toThrow('pre');
      expect(Buffer.from((await p.server.read()) as Uint8Array).toString()).toBe('kept');
    });

    it('an aborted iterator step ends that iterator and a new one continues where it stopped', async () => {
      await using p = await pair();
      const ac = new AbortController();
      const iter = p.server.chunks({ signal: ac.signal });
      const step = iter.next();
      ac.abort();
      await expect(step).rejects.toBeDefined();
      expect(await iter.next()).toEqual({ done: true, value: undefined });
      await p.client.send('more');
      await p.client.shutdown('send');
      const got: string[] = [];
      for await (const c of p.server) got.push(Buffer.from(c).toString());
      expect(got.join('')).toBe('more');
    });

    it('leaves no abort listener behind on a signal used for many receives', async () => {
      await using p = await pair();
      const ac = new AbortController();
      let listeners = 0;
      const add = ac.signal.addEventListener.bind(ac.signal);
      const remove = ac.signal.removeEventListener.bind(ac.signal);
      ac.signal.addEventListener = (...a: Parameters<typeof add>) => {
        listeners++;
        add(...a);
      };
      ac.signal.removeEventListener = (...a: Parameters<typeof remove>) => {
        listeners--;
        remove(...a);
      };
      for (let i = 0; i < 50; i++) {
        const r = p.server.read({ signal: ac.signal });
        await p.client.send('x');
        await r;
      }
      expect(listeners).toBe(0);
    });

    it('property: random chunking, receive sizes and aborts of receive/read/iterator steps lose and duplicate no byte', async () => {
      await using p = await pair();
      let base = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ size: fc.integer({ min: 1, max: 3000 }), pause: fc.boolean() }), {
            minLength: 1,
            maxLength: 12,
          }),
          fc.array(
            fc.record({
              kind: fc.constantFrom('receive', 'scatter', 'read', 'step'),
              size: fc.integer({ min: 1, max: 4000 }),
              abort: fc.constantFrom('none', 'none', 'before', 'soon', 'later'),
              laterMs: fc.integer({ min: 0, max: 2 }),
            }),
            { minLength: 1, maxLength: 30 },
          ),
          async (chunks, ops) => {
            const chunkSizes = chunks.map((c) => c.size);
            const total = chunkSizes.reduce((a, b) => a + b, 0);
            // Bytes that count up from `base`, so any loss, duplicate or reorder shows.
            const data = Buffer.alloc(total);
            for (let i = 0; i < total; i++) data[i] = (base + i) & 0xff;
            base += total;
            const sender = (async () => {
              let off = 0;
              for (const { size, pause } of chunks) {
                await p.client.send(data.subarray(off, off + size));
                off += size;
                await delay(pause ? 1 : 0);
              }
            })();
            const got: number[] = [];
            for (const op of ops) {
              if (got.length >= total) break;
              const before = got.length;
              const r = await runOp(p.server, op, got);
              if (r === 'aborted') expect(got.length).toBe(before);
            }
            // Whatever the generated operations left unread comes through plain reads.
            while (got.length < total) got.push(...((await p.server.read()) as Uint8Array));
            await sender;
            expect(got.length).toBe(total);
            expect(Buffer.from(got).equals(data)).toBe(true);
          },
        ),
        propertyRun(`cancel-safe receives over ${name}`, 200),
      );
    });
  });
}

async function runOp(
  conn: Connection,
  op: { kind: string; size: number; abort: string; laterMs: number },
  got: number[],
): Promise<'ok' | 'aborted'> {
  const ac = new AbortController();
  if (op.abort === 'before') ac.abort();
  else if (op.abort === 'soon') queueMicrotask(() => ac.abort());
  else if (op.abort === 'later') setTimeout(() => ac.abort(), op.laterMs);
  const signal = ac.signal;
  try {
    switch (op.kind) {
      case 'receive': {
        const buf = new Uint8Array(op.size);
        const n = await conn.receive(buf, { signal });
        got.push(...buf.subarray(0, n));
        break;
      }
      case 'scatter': {
        const a = new Uint8Array(Math.ceil(op.size / 2));
        const b = new Uint8Array(Math.floor(op.size / 2) + 1);
        const n = await conn.receive([a, b], { signal });
        got.push(
          ...a.subarray(0, Math.min(n, a.length)),
          ...b.subarray(0, Math.max(0, n - a.length)),
        );
        break;
      }
      case 'read': {
        const c = await conn.read({ signal });
        if (c) got.push(...c);
        break;
      }
      default: {
        const iter = conn.chunks({ signal });
        const r = await iter.next();
        if (!r.done) got.push(...r.value);
        await iter.return?.();
      }
    }
    return 'ok';
  } catch (err) {
    expect(signal.aborted).toBe(true);
    expect(err).toBe(signal.reason);
    return 'aborted';
  }
}
