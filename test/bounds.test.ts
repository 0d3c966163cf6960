// Invariants 3 (one receiver), 5 (bounded memory) and 6 (iteration never ends a lifetime).
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { connect, SocketBusyError } from '../src/core/index.js';
import {
  LOOPBACK,
  pair,
  portOf,
  rawServer,
  readAll,
  transports,
  turns,
  until,
  untilStalled,
} from './helpers.js';

const MiB = 1024 * 1024;

for (const { name, pair } of transports) {
  describe(`invariant 3: one receiver at a time, over ${name}`, () => {
    it('a second receive while one is pending rejects with ERR_SOCKET_BUSY', async () => {
      await using p = await pair();
      const first = p.server.read();
      for (const second of [
        p.server.read(),
        p.server.receive(new Uint8Array(4)),
        p.server.chunks().next(),
      ]) {
        const err = await second.catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SocketBusyError);
        expect((err as SocketBusyError).code).toBe('ERR_SOCKET_BUSY');
      }
      await p.client.send('one');
      expect(Buffer.from((await first) as Uint8Array).toString()).toBe('one');
    });

    it('a second live iterator rejects with ERR_SOCKET_BUSY; after the first ends, a new one works', async () => {
      await using p = await pair();
      await p.client.send('a');
      const one = p.server[Symbol.asyncIterator]();
      expect((await one.next()).done).toBe(false);
      const two = p.server.chunks();
      await expect(two.next()).rejects.toBeInstanceOf(SocketBusyError);
      await one.return?.();
      await p.client.send('b');
      const three = p.server.chunks();
      const r = await three.next();
      expect(r.done).toBe(false);
      expect(Buffer.from(r.value as Uint8Array).toString()).toBe('b');
    });
  });
}

describe('invariant 5: bounded memory', () => {
  it('a peer sending 256 MiB to a reader that waits never makes it hold more than receiveBufferSize', async () => {
    const limit = 256 * 1024;
    const raw = await rawServer();
    const conn = await connect({ host: LOOPBACK, port: raw.port }, { receiveBufferSize: limit });
    const peer = await raw.next();
    const total = 256 * MiB;
    const block = Buffer.alloc(MiB);
    const sentHash = createHash('sha256');
    let written = 0;
    // The peer writes as fast as TCP lets it, honouring its own backpressure.
    const writer = (async () => {
      for (let i = 0; i < total / MiB; i++) {
        block.fill(i & 0xff);
        block.writeUInt32BE(i, 0);
        sentHash.update(block);
        const copy = Buffer.from(block);
        written += copy.length;
        if (!peer.write(copy)) await new Promise((r) => peer.once('drain', r));
      }
      peer.end();
    })();
    let maxHeld = 0;
    let sampling = true;
    const sample = (): void => {
      maxHeld = Math.max(maxHeld, conn.bufferedBytes);
      if (sampling) setImmediate(sample);
    };
    sample();
    // Nobody reads: the buffer fills to its limit and TCP holds the peer back.
    await until(() => conn.bufferedBytes >= limit - 16 * 1024);
    // Reading has paused; once the kernel's buffers are full the peer is held back: what it
    // has written stops growing (over 50 turns, each polling for I/O), short of the total.
    await untilStalled(() => written);
    expect(written).toBeLessThan(total);
    expect(maxHeld).toBeLessThanOrEqual(limit);
    // Now read: every byte arrives once.
    const gotHash = createHash('sha256');
    let got = 0;
    const buf = new Uint8Array(128 * 1024);
    for (let n; (n = await conn.receive(buf)) > 0; got += n) gotHash.update(buf.subarray(0, n));
    sampling = false;
    await writer;
    expect(got).toBe(total);
    expect(gotHash.digest('hex')).toBe(sentHash.digest('hex'));
    expect(maxHeld).toBeLessThanOrEqual(limit);
    await conn.close();
    await raw.close();
  });

  it('holds exactly up to a tiny receiveBufferSize', async () => {
    await using p = await pair({}, { receiveBufferSize: 1000 });
    await p.client.send(Buffer.alloc(100_000, 1));
    await until(() => p.server.bufferedBytes === 1000);
    await turns(50);
    expect(p.server.bufferedBytes).toBe(1000);
    await p.client.shutdown('send');
    expect((await readAll(p.server)).length).toBe(100_000);
  });
});

describe('invariant 5: a peer trickling one byte per packet', () => {
  it('costs the connection its bytes, not an object per packet, and every byte is read back in order', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const memory = (): number => {
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    await using p = await pair();
    const raw = p.client;
    raw.setNoDelay(true);
    const n = 40_000;
    const before = memory();
    // One byte per packet: each lands as its own read while nobody receives.
    for (let i = 0; i < n; i++) {
      await raw.send(new Uint8Array([i & 0xff]));
      if (i % 4 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => p.server.bufferedBytes === n);
    const held = memory() - before;
    // Each read was ~110 B of heap (a Buffer object per byte) before small reads were
    // coalesced into 4 KiB buffers: 4.4 MB here.
    expect(held).toBeLessThan(2 * n + 256 * 1024);
    const got = Buffer.alloc(n);
    let at = 0;
    // Some back with unshift, to cover a coalesced chunk given back and grown again.
    const first = (await p.server.read()) as Uint8Array;
    p.server.unshift(first.subarray(1));
    got[at++] = first[0] as number;
    while (at < n) at += await p.server.receive(got.subarray(at, Math.min(n, at + 777)));
    expect(got.every((b, i) => b === (i & 0xff))).toBe(true);
  });
});

describe('invariant 6: iteration never ends a lifetime', () => {
  it('break out of for await closes nothing: unread bytes stay for the next receive', async () => {
    await using p = await pair();
    await p.client.send('first');
    for await (const chunk of p.server) {
      expect(Buffer.from(chunk).toString()).toBe('first');
      break;
    }
    await p.client.send('second');
    await p.server.send('still open');
    expect(Buffer.from((await p.server.read()) as Uint8Array).toString()).toBe('second');
    expect(Buffer.from((await p.client.read()) as Uint8Array).toString()).toBe('still open');
  });

  it('throwing out of for await closes nothing', async () => {
    await using p = await pair();
    await p.client.send('x');
    await expect(
      (async () => {
        for await (const _ of p.server) throw new Error('boom');
      })(),
    ).rejects.toThrow('boom');
    await p.client.send('y');
    expect(Buffer.from((await p.server.read()) as Uint8Array).toString()).toBe('y');
  });

  it('break out of for await over a listener leaves it listening', async () => {
    await using p = await pair();
    const port = portOf(p.listener);
    const c1 = net.connect(port, LOOPBACK);
    for await (const conn of p.listener) {
      await conn.close({ signal: AbortSignal.timeout(1) });
      break;
    }
    c1.destroy();
    const [c2, accepted] = await Promise.all([
      connect({ host: LOOPBACK, port }),
      p.listener.accept(),
    ]);
    // Still listening: the next connection is accepted, and it is c2's.
    expect(accepted.remoteAddress).toEqual(c2.localAddress);
    await c2.reset();
    await accepted.reset();
  });
});
