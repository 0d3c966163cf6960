// Where node:net's server handle cannot be reached, accepted sockets are read through 'data'.
// The same guarantees hold; this file forces that path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fallback } from '../src/core/internal/build.js';
import { delay, pair, random, readAll, until } from './helpers.js';

beforeAll(() => {
  fallback.forceDataMode = true;
});
afterAll(() => {
  fallback.forceDataMode = false;
});

describe("accepted connections read through 'data' (fallback)", () => {
  it('carry 16 MiB byte-identical both ways', async () => {
    await using p = await pair();
    const a = random(16 << 20);
    const b = random(16 << 20);
    const [gotA, gotB] = await Promise.all([
      readAll(p.server),
      readAll(p.client),
      p.client.send(a).then(() => p.client.shutdown()),
      p.server.send(b).then(() => p.server.shutdown()),
    ]);
    expect(gotA.equals(a)).toBe(true);
    expect(gotB.equals(b)).toBe(true);
  });

  it('pause at receiveBufferSize, overshooting by at most one read', async () => {
    await using p = await pair({}, { receiveBufferSize: 100_000 });
    // Not awaited before reading: 4 MiB do not fit in loopback buffers (NODE-NOTES 4).
    const sending = p.client.send(Buffer.alloc(4 << 20)).then(() => p.client.shutdown());
    await until(() => p.server.bufferedBytes >= 100_000 - 16 * 1024);
    await delay(100);
    expect(p.server.bufferedBytes).toBeLessThanOrEqual(100_000 + 64 * 1024);
    expect((await readAll(p.server)).length).toBe(4 << 20);
    await sending;
  });

  it('keep aborted receives cancel safe', async () => {
    await using p = await pair();
    const ac = new AbortController();
    const r = p.server.read({ signal: ac.signal });
    ac.abort();
    await expect(r).rejects.toBeDefined();
    await p.client.send('kept');
    expect(Buffer.from((await p.server.read()) as Uint8Array).toString()).toBe('kept');
  });
});
