// The synchronous paths callback-style code and parsers are built on: tryReceive(), tryRead(),
// trySend() and tryAccept() say at once whether the operation completed, and never lose or reorder bytes.
import { describe, expect, it } from 'vitest';
import { connect, listen } from '../src/core/index.js';
import { LOOPBACK, pair, portOf, random, rawServer, readAll, until } from './helpers.js';

const MiB = 1024 * 1024;

describe('tryReceive()', () => {
  it('returns undefined when nothing is buffered, the bytes once they are, then 0 at EOF', async () => {
    await using p = await pair();
    const buf = new Uint8Array(4);
    expect(p.server.tryReceive(buf)).toBeUndefined();
    await p.client.send('abcdef');
    await until(() => p.server.bufferedBytes === 6);
    expect(p.server.tryReceive(buf)).toBe(4);
    expect(Buffer.from(buf).toString()).toBe('abcd');
    const a = new Uint8Array(1);
    const b = new Uint8Array(3);
    expect(p.server.tryReceive([a, b])).toBe(2);
    expect(Buffer.from(a).toString() + Buffer.from(b.subarray(0, 1)).toString()).toBe('ef');
    expect(p.server.tryReceive(buf)).toBeUndefined();
    await p.client.shutdown('send');
    await expect(p.server.receive(buf)).resolves.toBe(0);
    expect(p.server.tryReceive(buf)).toBe(0);
  });

  it('throws ERR_SOCKET_BUSY while a receive is pending, and keeps the bytes for it', async () => {
    await using p = await pair();
    const pending = p.server.read();
    expect(() => p.server.tryReceive(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_BUSY' }),
    );
    await p.client.send('kept');
    expect(Buffer.from((await pending) as Uint8Array).toString()).toBe('kept');
  });

  it('throws bad arguments and ERR_SOCKET_CLOSED after close', async () => {
    await using p = await pair();
    expect(() => p.server.tryReceive(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => p.server.tryReceive('x' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    void p.server.reset();
    expect(() => p.server.tryReceive(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }),
    );
  });

  it('gives the buffered bytes first after a peer reset, then throws ECONNRESET', async () => {
    const raw = await rawServer();
    const conn = await connect({ host: LOOPBACK, port: raw.port });
    const peer = await raw.next();
    peer.write('last words');
    await until(() => conn.bufferedBytes === 10);
    peer.resetAndDestroy(); // with nothing in flight, so Node 20 reports it as a reset too
    await conn.closed;
    const buf = new Uint8Array(64);
    expect(conn.tryReceive(buf)).toBe(10);
    expect(() => conn.tryReceive(buf)).toThrow(expect.objectContaining({ code: 'ECONNRESET' }));
    await raw.close();
  });
});

describe('tryRead()', () => {
  it('returns undefined with nothing buffered, a chunk (or its first maxBytes), then null at EOF', async () => {
    await using p = await pair();
    expect(p.server.tryRead()).toBeUndefined();
    await p.client.send('abcdef');
    await until(() => p.server.bufferedBytes === 6);
    expect(Buffer.from(p.server.tryRead(2) as Uint8Array).toString()).toBe('ab');
    expect(p.server.bufferedBytes).toBe(4); // the rest stays for the next receive
    expect(Buffer.from(p.server.tryRead() as Uint8Array).toString()).toBe('cdef');
    expect(p.server.tryRead()).toBeUndefined();
    await p.client.shutdown('send');
    expect(await p.server.read()).toBeNull();
    expect(p.server.tryRead()).toBeNull();
  });

  it('throws on a bad maxBytes, while a receive is pending, and after close', async () => {
    await using p = await pair();
    expect(() => p.server.tryRead(0)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => p.server.tryRead('1' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    const pending = p.server.read();
    expect(() => p.server.tryRead()).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_BUSY' }));
    await p.client.send('x');
    await pending;
    void p.server.reset();
    expect(() => p.server.tryRead()).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }),
    );
  });
});

describe('trySend()', () => {
  it('returns the byte count when the kernel takes a small send at once', async () => {
    await using p = await pair();
    expect(p.client.trySend('hello')).toBe(5);
    expect(p.client.trySend([Buffer.from('a'), Buffer.from('bc')])).toBe(3);
    expect(p.client.trySend(new Uint8Array(0))).toBe(0);
    expect(p.client.pendingSends).toBe(0);
    await p.client.shutdown('send');
    expect((await readAll(p.server)).toString()).toBe('helloabc');
  });

  it('returns a promise when the kernel is full, and keeps call order with send()', async () => {
    await using p = await pair();
    const big = random(64 * MiB); // more than the kernel buffers hold while nobody reads
    const first = p.client.trySend(big);
    expect(first).toBeInstanceOf(Promise);
    const later = p.client.trySend('tail');
    expect(later).toBeInstanceOf(Promise);
    const reading = readAll(p.server);
    expect(await first).toBe(big.length);
    expect(await later).toBe(4);
    await p.client.shutdown('send');
    const got = await reading;
    expect(got.subarray(0, big.length).equals(big)).toBe(true);
    expect(got.subarray(big.length).toString()).toBe('tail');
  });

  it('throws instead of rejecting when the send cannot start', async () => {
    await using p = await pair();
    const reason = new Error('stop');
    expect(() => p.client.trySend('x', { signal: AbortSignal.abort(reason) })).toThrow(reason);
    await p.client.shutdown('send');
    expect(() => p.client.trySend('x')).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_SHUTDOWN' }),
    );
    void p.client.reset();
    expect(() => p.client.trySend('x')).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }),
    );
  });
});

describe('tryAccept()', () => {
  it('returns undefined with nothing waiting, a waiting connection, and throws after close', async () => {
    const l = await listen({ host: LOOPBACK, port: 0 });
    expect(l.tryAccept()).toBeUndefined();
    const client = await connect({ host: LOOPBACK, port: portOf(l) });
    await until(() => {
      const c = l.tryAccept();
      if (c === undefined) return false;
      void c.reset();
      return true;
    });
    await l.close();
    expect(() => l.tryAccept()).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
    await client.reset();
  });
});

describe('connection options', () => {
  it('family restricts name resolution: 6 reaches ::1 by name, 4 reaches 127.0.0.1', async () => {
    await using l6 = await listen({ host: '::1', port: 0 });
    await using l4 = await listen({ host: LOOPBACK, port: 0 });
    // /etc/hosts may name ::1 differently; an IPv6 literal with family 6 is accepted too.
    const c6 = await connect({ host: '::1', port: portOf(l6) }, { family: 6 });
    const c4 = await connect({ host: 'localhost', port: portOf(l4) }, { family: 4 });
    expect(c6.remoteAddress).toMatchObject({ family: 'IPv6' });
    expect(c4.remoteAddress).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    await Promise.all([
      c6.reset(),
      c4.reset(),
      l6.accept().then((c) => c.reset()),
      l4.accept().then((c) => c.reset()),
    ]);
    await expect(connect({ port: 1 }, { family: 5 as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });

  it('setNoDelay() switches Nagle on a live connection and is a no-op after it ended', async () => {
    await using p = await pair();
    p.client.setNoDelay(false);
    p.client.setNoDelay();
    expect(() => p.client.setNoDelay('yes' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    await p.client.reset();
    p.client.setNoDelay(true);
  });
});
