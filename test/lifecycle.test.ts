// Invariants 7 (three ways out, idempotent) and 8 (typed outcome, half-open capable).
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect, IdleTimeoutError, SocketClosedError } from '../src/core/index.js';
import { delay, LOOPBACK, pair, random, rawServer, readAll, readAllRaw, until } from './helpers.js';

const MiB = 1024 * 1024;

describe('invariant 7: shutdown, close, reset', () => {
  it('shutdown("send") flushes queued sends, then FIN; we still receive until the peer EOF', async () => {
    await using p = await pair();
    const data = random(4 * MiB);
    const sending = p.client.send(data); // more than loopback buffers hold: still queued
    const shut = p.client.shutdown('send');
    const got = await readAll(p.server); // the server sees every byte, then EOF
    await Promise.all([sending, shut]);
    expect(got.equals(data)).toBe(true);
    await p.server.send('reply');
    await p.server.shutdown('send');
    expect((await readAll(p.client)).toString()).toBe('reply');
  });

  it('a peer reset before the queue drains rejects the in-flight send and shutdown("send") with the error', async () => {
    const raw = await rawServer();
    const conn = await connect({ host: LOOPBACK, port: raw.port });
    const peer = await raw.next();
    // More than the peer's receive window (tcp_rmem max 32 MiB) and our send buffer together.
    const sending = conn.send(Buffer.alloc(64 * MiB)).catch((e: unknown) => e); // nobody reads
    const shut = conn.shutdown('send').catch((e: unknown) => e);
    await until(() => conn.sendsInFlight === 1);
    peer.resetAndDestroy();
    expect(await shut).toMatchObject({
      code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) as unknown,
    });
    expect(await sending).toMatchObject({
      code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) as unknown,
    });
    expect((await conn.closed).reason).toBe('peer-reset');
    await raw.close();
  });

  it('shutdown() is idempotent and the default is "send"', async () => {
    await using p = await pair();
    await Promise.all([p.client.shutdown(), p.client.shutdown('send'), p.client.shutdown()]);
    expect(await p.server.read()).toBeNull();
  });

  it('shutdown("receive") discards buffered and future bytes; receives return EOF', async () => {
    await using p = await pair();
    await p.client.send('dropped');
    await until(() => p.server.bufferedBytes > 0);
    await p.server.shutdown('receive');
    expect(p.server.bufferedBytes).toBe(0);
    expect(await p.server.read()).toBeNull();
    expect(await p.server.receive(new Uint8Array(4))).toBe(0);
    await p.client.send('also dropped'); // the peer is not told and may go on sending
    await until(() => p.server.bytesReceived === 7 + 12);
    expect(p.server.bufferedBytes).toBe(0);
    await p.server.send('but we can still send');
    expect(Buffer.from((await p.client.read()) as Uint8Array).toString()).toBe(
      'but we can still send',
    );
  });

  it('shutdown("receive") ends a pending receive with EOF', async () => {
    await using p = await pair();
    const pending = p.server.receive(new Uint8Array(4));
    await p.server.shutdown('receive');
    expect(await pending).toBe(0);
  });

  it('close() with unread data on both sides loses nothing the peer had been sent', async () => {
    await using p = await pair();
    const toServer = random(2 * MiB);
    const toClient = random(2 * MiB);
    const s1 = p.client.send(toServer);
    const s2 = p.server.send(toClient);
    await until(() => p.client.bufferedBytes > 0 && p.server.bufferedBytes > 0);
    // The client closes without reading what the server sent; the kernel must not answer
    // that unread data with a RST that would destroy what the server has not read yet.
    const closing = p.client.close();
    const got = await readAll(p.server);
    expect(got.equals(toServer)).toBe(true);
    await s1;
    await s2.catch(() => undefined);
    await p.server.close();
    expect((await closing).reason).toBe('closed');
    expect((await p.server.closed).reason).toBe('closed');
  });

  it('close() rejects a pending receive with ERR_SOCKET_CLOSED, and every later operation too', async () => {
    await using p = await pair();
    const pending = p.server.read();
    const closing = p.server.close();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketClosedError);
    expect((err as SocketClosedError).code).toBe('ERR_SOCKET_CLOSED');
    for (const op of [
      () => p.server.read(),
      () => p.server.receive(new Uint8Array(1)),
      () => p.server.send('x'),
      () => p.server.shutdown(),
      () => p.server.chunks().next(),
    ]) {
      await expect(op()).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    }
    expect(() => p.server.unshift(new Uint8Array(1))).toThrow(SocketClosedError);
    await p.client.close();
    expect((await closing).reason).toBe('closed');
  });

  it('close() whose signal fires before the peer finishes resets, and rejects a stalled send with ERR_SOCKET_CLOSED', async () => {
    await using p = await pair();
    const stalled = p.client.send(Buffer.alloc(32 * MiB)).catch((e: unknown) => e); // nobody reads
    await until(() => p.client.sendsInFlight === 1);
    const info = await p.client.close({ signal: AbortSignal.timeout(100) });
    expect(info.reason).toBe('reset');
    expect(await stalled).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
  });

  it('reset() while our FIN is still being sent closes the connection (libuv refuses an RST then)', async () => {
    await using p = await pair();
    const shut = p.client.shutdown('send');
    // shutdown() hands the FIN to node:net a few microtasks later, and libuv completes it in
    // the next poll phase: ticks alone (no event-loop turn) land the reset in between.
    for (let i = 0; i < 20; i++) await new Promise((r) => process.nextTick(r));
    const info = await p.client.reset();
    expect(info.reason).toBe('reset');
    await shut.catch(() => undefined);
    expect(await p.server.read()).toBeNull(); // the FIN still went out
  });

  it('close() and reset() are idempotent', async () => {
    await using p = await pair();
    const a = p.client.close({ signal: AbortSignal.timeout(50) });
    const b = p.client.close();
    expect(a).toBe(b);
    const info = await a;
    expect(await p.client.reset()).toBe(info);
    expect(await p.client.closed).toBe(info);
  });

  it('reset() gives the peer ECONNRESET and rejects pending operations with ERR_SOCKET_CLOSED', async () => {
    await using p = await pair();
    const peerRead = p.server.read().catch((e: unknown) => e);
    const ourRead = p.client.read().catch((e: unknown) => e);
    const info = await p.client.reset();
    expect(info.reason).toBe('reset');
    expect(await ourRead).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    expect(await peerRead).toMatchObject({ code: 'ECONNRESET' });
    const peerInfo = await p.server.closed;
    expect(peerInfo.reason).toBe('peer-reset');
    expect((peerInfo.error as { code?: string }).code).toBe('ECONNRESET');
  });

  it('reset() rejects in-flight and queued sends and a pending receive with ERR_SOCKET_CLOSED', async () => {
    await using p = await pair({ maxPendingSends: 1 });
    const inFlight = p.client.send(Buffer.alloc(64 * MiB)).catch((e: unknown) => e); // nobody reads
    const queued = p.client.send('queued').catch((e: unknown) => e);
    const receiving = p.client.read().catch((e: unknown) => e);
    await until(() => p.client.sendsInFlight === 1);
    expect(p.client.pendingSends).toBe(2);
    expect((await p.client.reset()).reason).toBe('reset');
    for (const settled of [inFlight, queued, receiving]) {
      expect(await settled).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    }
    expect(p.client.pendingSends).toBe(0);
  });

  it('await using closes the connection', async () => {
    const raw = await rawServer();
    let closed;
    {
      await using conn = await connect({ host: LOOPBACK, port: raw.port });
      const peer = await raw.next();
      peer.end(); // the peer finishes, so the graceful close completes at once
      closed = conn.closed;
    }
    expect((await closed).reason).toBe('closed');
    await raw.close();
  });
});

describe('invariant 8: typed outcome', () => {
  it('the peer FIN does not end our sending (half-open)', async () => {
    await using p = await pair();
    await p.client.send('question');
    await p.client.shutdown('send');
    expect((await readAll(p.server)).toString()).toBe('question');
    await p.server.send('answer after your FIN');
    await p.server.shutdown('send');
    expect((await readAll(p.client)).toString()).toBe('answer after your FIN');
    expect((await p.client.closed).reason).toBe('closed');
    expect((await p.server.closed).reason).toBe('closed');
  });

  it('closed reports closed, reset, peer-reset and idle-timeout', async () => {
    {
      await using p = await pair();
      const c = p.client.close();
      await p.server.close();
      expect((await c).reason).toBe('closed');
    }
    {
      await using p = await pair();
      await p.client.reset();
      expect((await p.client.closed).reason).toBe('reset');
      expect((await p.server.closed).reason).toBe('peer-reset');
    }
    {
      await using p = await pair({ idleTimeout: 50 });
      const pending = p.client.read().catch((e: unknown) => e);
      const info = await p.client.closed;
      expect(info.reason).toBe('idle-timeout');
      expect(info.error).toBeUndefined();
      expect(await pending).toBeInstanceOf(IdleTimeoutError);
      await expect(p.client.read()).rejects.toMatchObject({ code: 'ERR_SOCKET_IDLE_TIMEOUT' });
    }
  });

  it('traffic keeps an idle timeout from firing', async () => {
    // Round trips every 10 ms for three idle timeouts: each resets the timer, which would have
    // fired twice over without them. (Time paces the traffic; the outcome does not depend on
    // it unless one gap alone outlasts the timeout, 30 times the pace.)
    const idleTimeout = 300;
    await using p = await pair({ idleTimeout });
    const start = performance.now();
    while (performance.now() - start < 3 * idleTimeout) {
      await delay(10);
      await p.client.send('tick');
      await p.server.read();
      await p.server.send('tock');
      await p.client.read();
    }
    let ended = false;
    void p.client.closed.then(() => (ended = true));
    expect(ended).toBe(false);
  });

  it('a peer reset with no operation pending raises nothing unhandled; closed says peer-reset', async () => {
    const raw = await rawServer();
    const conn = await connect({ host: LOOPBACK, port: raw.port });
    const peer = await raw.next();
    peer.resetAndDestroy();
    const info = await conn.closed;
    expect(info.reason).toBe('peer-reset');
    expect(info.bytesSent).toBe(0);
    await raw.close();
  });

  it('bytes received before a peer reset are still delivered, then the error', async () => {
    const raw = await rawServer();
    const conn = await connect({ host: LOOPBACK, port: raw.port });
    const peer = await raw.next();
    peer.write('before the reset');
    await until(() => conn.bufferedBytes === 16);
    peer.resetAndDestroy();
    await conn.closed;
    expect(Buffer.from((await conn.read()) as Uint8Array).toString()).toBe('before the reset');
    await expect(conn.read()).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(conn.send('x')).rejects.toMatchObject({ code: 'ECONNRESET' });
    await raw.close();
  });

  it('CloseInfo counts the bytes both ways', async () => {
    await using p = await pair();
    await p.client.send(Buffer.alloc(1000));
    await p.server.send(Buffer.alloc(10));
    await p.client.shutdown();
    await readAll(p.server);
    await p.server.shutdown();
    await readAll(p.client);
    const info = await p.client.closed;
    expect(info).toMatchObject({ reason: 'closed', bytesSent: 1000, bytesReceived: 10 });
  });

  it('a raw peer sees our shutdown("send") as a clean end', async () => {
    const raw = await rawServer();
    const conn = await connect({ host: LOOPBACK, port: raw.port });
    const peer: net.Socket = await raw.next();
    await conn.send('done');
    await conn.shutdown('send');
    expect((await readAllRaw(peer)).toString()).toBe('done');
    peer.end();
    expect((await conn.closed).reason).toBe('closed');
    await raw.close();
  });
});
