// Where a runtime has none of node:net's private surfaces (Bun has few of them), every
// capability of src/core/internal/node-net.ts falls back to node:net's public API: client and
// accepted sockets are read through 'data', names come from the public getters, and a send
// aborted after hand-off reports the bytes handed to the socket. The same guarantees hold;
// this file forces that path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bind, SendAbortedError } from '../src/core/index.js';
import { publicApiOnly } from '../src/core/internal/node-net.js';
import {
  abortSendInFlight,
  pair,
  random,
  readAll,
  tlsPair,
  until,
  untilStalled,
} from './helpers.js';

beforeAll(() => {
  publicApiOnly.on = true;
});
afterAll(() => {
  publicApiOnly.on = false;
});

describe("node:net's public API only (the fallback)", () => {
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
    // Not awaited before reading: 4 MiB do not fit in loopback buffers (node-notes §4).
    const sending = p.client.send(Buffer.alloc(4 << 20)).then(() => p.client.shutdown());
    await until(() => p.server.bufferedBytes >= 100_000 - 16 * 1024);
    // Paused: what it holds stops growing, at most one 64 KiB read over the limit.
    const held = await untilStalled(() => p.server.bufferedBytes);
    expect(held).toBeLessThanOrEqual(100_000 + 64 * 1024);
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

  it('name both ends from the public getters', async () => {
    await using p = await pair();
    expect(p.client.remoteAddress).toEqual(p.server.localAddress);
    expect(p.server.remoteAddress).toEqual(p.client.localAddress);
    expect(p.client.remoteAddress).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
  });

  it('report, for a send aborted after hand-off, at most the bytes handed to the socket', async () => {
    await using p = await pair();
    const size = 32 << 20;
    const err = await abortSendInFlight(p.client, size);
    expect(err).toBeInstanceOf(SendAbortedError);
    expect(err.bytesWritten).toBeGreaterThan(0);
    expect(err.bytesWritten).toBeLessThanOrEqual(size);
    expect((await p.client.closed).reason).toBe('reset');
  });

  it("TLS: 4 MiB through 'data' reads byte-identical, and reset() closing the socket instead", async () => {
    await using p = await tlsPair();
    const a = random(4 << 20);
    const [got] = await Promise.all([
      readAll(p.server),
      p.client.send(a).then(() => p.client.shutdown()),
    ]);
    expect(got.equals(a)).toBe(true);
    await p.server.reset(); // no handle to reach: the socket is closed, not reset
    expect((await p.server.closed).reason).toBe('reset');
    expect(['closed', 'peer-reset']).toContain((await p.client.closed).reason);
  });

  it('UDP: trySend() gives the promise, which resolves once the OS took the datagram or rejects with its refusal', async () => {
    await using a = await bind({ host: '127.0.0.1', port: 0 });
    await using b = await bind({ host: '127.0.0.1', port: 0 });
    const dest = { host: '127.0.0.1', port: b.address.port };
    const r = a.trySend('later', dest);
    expect(r).toBeInstanceOf(Promise);
    expect(await r).toBe(5);
    expect(new TextDecoder().decode((await b.receive()).data)).toBe('later');
    await expect(a.trySend(new Uint8Array(70_000), dest)).rejects.toMatchObject({
      code: 'EMSGSIZE',
    });
  });
});
