// UDP in the core (issue 17): bind(), DatagramSocket, over real sockets on loopback, and
// against socat as a real peer both ways.
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  BadPortError,
  bind,
  DatagramSocket,
  InvalidArgTypeError,
  InvalidArgValueError,
  OutOfRangeError,
  SocketClosedError,
  tryBind,
} from '../src/core/index.js';
import { delay, until } from './helpers.js';

const LOCAL = '127.0.0.1';
const to = (s: DatagramSocket): { host: string; port: number } => ({
  host: s.address.address,
  port: s.address.port,
});
const text = (b: Uint8Array): string => Buffer.from(b).toString();

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const s = await bind({ host: LOCAL, port: 0 });
  const { port } = s.address;
  await s.close();
  return port;
}

const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) =>
  list?.some((i) => i.address === '::1'),
);
if (!hasIpv6Loopback) console.log('[datagram] IPv6 test skipped: this host has no ::1');

describe('datagrams: bind() and DatagramSocket', () => {
  it('a datagram and its sender arrive; the echo comes back into a buffer, whole', async () => {
    await using server = await bind({ host: LOCAL, port: 0 });
    await using client = await bind({ host: LOCAL, port: 0 });
    expect(server.address).toMatchObject({ address: LOCAL, family: 'IPv4' });
    expect(await client.send('ping', to(server))).toBe(4);
    const { data, from } = await server.receive();
    expect(text(data)).toBe('ping');
    expect(from).toMatchObject({ address: LOCAL, port: client.address.port, family: 'IPv4' });
    await server.send(data, { host: from.address, port: from.port });
    const buf = new Uint8Array(64);
    const r = await client.receive(buf);
    expect(r).toMatchObject({ bytes: 4, truncated: false });
    expect(text(buf.subarray(0, r.bytes))).toBe('ping');
  });

  it('a list is gathered into one datagram; an empty datagram is a datagram', async () => {
    await using a = await bind({ host: LOCAL, port: 0 });
    await using b = await bind({ host: LOCAL, port: 0 });
    expect(await a.send([Buffer.from('he'), Buffer.from('llo')], to(b))).toBe(5);
    expect(await a.send(new Uint8Array(0), to(b))).toBe(0);
    expect(text((await b.receive()).data)).toBe('hello');
    expect((await b.receive()).data.length).toBe(0);
  });

  it('1,000 datagrams under normal load arrive in order, none lost, none dropped', async () => {
    await using a = await bind({ host: LOCAL, port: 0 });
    await using b = await bind({ host: LOCAL, port: 0 });
    const got: number[] = [];
    const receiving = (async () => {
      for await (const { data } of b) {
        got.push(Buffer.from(data).readUInt32BE(0));
        if (got.length === 1000) return;
      }
    })();
    // UDP has no flow control: a sender that outruns the receiver's kernel buffer loses
    // datagrams there. Normal load here: at most 50 ahead of the receiver.
    for (let i = 0; i < 1000; i++) {
      const m = Buffer.alloc(200);
      m.writeUInt32BE(i, 0);
      await a.send(m, to(b));
      if (i % 50 === 49) await until(() => got.length === i + 1);
    }
    await receiving;
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(b.dropped).toBe(0);
  });

  it('a flood of 100,000 datagrams nobody receives: at most receiveQueueSize are held, the rest dropped and counted', async () => {
    await using b = await bind({ host: LOCAL, port: 0 }, { receiveQueueSize: 500 });
    // A raw sender, as fast as it goes.
    const raw = dgram.createSocket('udp4');
    const m = Buffer.alloc(64, 7);
    let sent = 0;
    await new Promise<void>((resolve) => {
      const burst = (): void => {
        for (let i = 0; i < 1000 && sent < 100_000; i++, sent++) raw.send(m, b.address.port, LOCAL);
        if (sent < 100_000) setImmediate(burst);
        else resolve();
      };
      burst();
    });
    await until(() => b.dropped > 0);
    await delay(200);
    raw.close();
    expect(b.queuedDatagrams).toBe(500);
    expect(b.dropped).toBeGreaterThan(0);
    expect(b.queuedDatagrams + b.dropped).toBeLessThanOrEqual(100_000); // the kernel drops some too
    // The held ones are all there to receive, whole.
    for (let i = 0; i < 500; i++)
      expect(Buffer.from((await b.receive()).data).equals(m)).toBe(true);
    expect(b.queuedDatagrams).toBe(0);
  });

  it.skipIf(!hasIpv6Loopback)('IPv6 on ::1', async () => {
    await using a = await bind({ host: '::1', port: 0 });
    await using b = await bind({ host: '::1', port: 0 });
    expect(a.address.family).toBe('IPv6');
    await a.send('six', to(b));
    const { data, from } = await b.receive();
    expect(text(data)).toBe('six');
    expect(from).toMatchObject({ address: '::1', port: a.address.port, family: 'IPv6' });
  });

  it('a datagram longer than the buffer is truncated, and says so', async () => {
    await using a = await bind({ host: LOCAL, port: 0 });
    await using b = await bind({ host: LOCAL, port: 0 });
    await a.send('0123456789', to(b));
    const buf = new Uint8Array(4);
    const r = await b.receive(buf);
    expect(r).toMatchObject({ bytes: 4, truncated: true });
    expect(text(buf)).toBe('0123');
  });

  it('a connected socket sends to its peer without "to" and gets only its datagrams', async () => {
    await using a = await bind({ host: LOCAL, port: 0 });
    await using peer = await bind({ host: LOCAL, port: 0 });
    await using stranger = await bind({ host: LOCAL, port: 0 });
    await a.connect(to(peer));
    expect(a.remoteAddress).toMatchObject({ address: LOCAL, port: peer.address.port });
    await a.send('hi');
    expect(text((await peer.receive()).data)).toBe('hi');
    await stranger.send('not for you', to(a));
    await peer.send('for you', to(a));
    expect(text((await a.receive()).data)).toBe('for you');
    await delay(50);
    expect(a.queuedDatagrams).toBe(0); // the stranger's never came
    await expect(a.send('x', to(peer))).rejects.toBeInstanceOf(InvalidArgValueError);
    await expect(a.connect(to(peer))).rejects.toBeInstanceOf(InvalidArgValueError);
  });

  it('ICMP port unreachable on a connected socket rejects the next operation with ECONNREFUSED', async () => {
    await using a = await bind({ host: LOCAL, port: 0 });
    await a.connect({ host: LOCAL, port: await deadPort() });
    await a.send('anyone?');
    const err = await a.receive({ signal: AbortSignal.timeout(2_000) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    // Reported once, as Linux does.
    await expect(a.receive({ signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('a datagram larger than the OS allows rejects with EMSGSIZE; the socket goes on', async () => {
    await using a = await bind({ host: LOCAL, port: 0 });
    await using b = await bind({ host: LOCAL, port: 0 });
    await expect(a.send(new Uint8Array(70_000), to(b))).rejects.toMatchObject({
      code: 'EMSGSIZE',
    });
    await a.send('after', to(b));
    expect(text((await b.receive()).data)).toBe('after');
  });

  it('an aborted receive takes no datagram; waiting receives get datagrams oldest first', async () => {
    await using a = await bind({ host: LOCAL, port: 0 });
    await using b = await bind({ host: LOCAL, port: 0 });
    const ac = new AbortController();
    const aborted = b.receive({ signal: ac.signal });
    const first = b.receive();
    const second = b.receive(new Uint8Array(16));
    const reason = new Error('not this one');
    ac.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await a.send('one', to(b));
    await a.send('two', to(b));
    expect(text((await first).data)).toBe('one');
    expect(await second).toMatchObject({ bytes: 3 });
    // An already-aborted signal takes nothing either.
    await a.send('three', to(b));
    await until(() => b.queuedDatagrams === 1);
    await expect(b.receive({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(text((await b.receive()).data)).toBe('three');
  });

  it('close(): waiting receives reject with ERR_SOCKET_CLOSED, for await ends, later calls reject', async () => {
    const s = await bind({ host: LOCAL, port: 0 });
    const waiting = s.receive().catch((e: unknown) => e);
    const looping = (async () => {
      let n = 0;
      for await (const _ of s) n++;
      return n;
    })();
    await s.close();
    expect(await waiting).toBeInstanceOf(SocketClosedError);
    expect(await looping).toBe(0);
    await expect(s.receive()).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await expect(s.send('x', { host: LOCAL, port: 9 })).rejects.toMatchObject({
      code: 'ERR_SOCKET_CLOSED',
    });
    await s.close(); // idempotent
  });

  it('bad input rejects before any I/O, with codes', async () => {
    await expect(bind({ port: 70_000 })).rejects.toBeInstanceOf(BadPortError);
    await expect(bind({ port: 0 }, { receiveQueueSize: 0 })).rejects.toBeInstanceOf(
      OutOfRangeError,
    );
    await expect(bind('x' as never)).rejects.toBeInstanceOf(InvalidArgTypeError);
    await expect(
      bind({ port: 0 }, { multicastMembership: ['not an address'] }),
    ).rejects.toBeInstanceOf(InvalidArgValueError);
    await expect(bind({ port: 0 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await using s = await bind({ host: LOCAL, port: 0 });
    await expect(s.send(42 as never, { port: 9 })).rejects.toBeInstanceOf(InvalidArgTypeError);
    await expect(s.send('x', { port: 0 })).rejects.toBeInstanceOf(BadPortError);
    await expect(s.send('x')).rejects.toBeInstanceOf(InvalidArgValueError); // not connected
    const gone = new Uint8Array(8);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    await expect(s.receive(gone)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(s.send(gone, { port: 9 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });

  it('socat as a real peer, both ways', async () => {
    await using s = await bind({ host: LOCAL, port: 0 });
    // socat sends a datagram to us and prints our reply.
    const sender = spawn('socat', ['-t', '2', '-', `UDP:${LOCAL}:${s.address.port}`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    sender.stdin.end('from socat');
    const { data, from } = await s.receive({ signal: AbortSignal.timeout(5_000) });
    expect(text(data)).toBe('from socat');
    await s.send('to socat', { host: from.address, port: from.port });
    const [out] = (await once(sender.stdout, 'data')) as [Buffer];
    expect(out.toString()).toBe('to socat');
    sender.kill();
    await once(sender, 'exit');

    // socat listens and prints what we send.
    // A port outside Linux's ephemeral range (32768-60999): no port-0 socket of a test running
    // meanwhile can take it before socat binds it.
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const listener = spawn('socat', ['-u', `UDP-RECV:${port},bind=${LOCAL}`, '-'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let printed = '';
    listener.stdout.on('data', (d: Buffer) => (printed += d.toString()));
    // socat binds asynchronously: send until it prints.
    for (let i = 0; i < 100 && printed === ''; i++) {
      await s.send('to socat listening', { host: LOCAL, port });
      await delay(50);
    }
    expect(printed.startsWith('to socat listening')).toBe(true);
    listener.kill();
    await once(listener, 'exit');
  });

  describe('the synchronous fast path: tryBind, trySend, tryReceive', () => {
    it('tryBind() binds an IP address before it returns; a name gives the promise', async () => {
      const now = tryBind({ host: LOCAL, port: 0 });
      expect(now).toBeInstanceOf(DatagramSocket);
      await using a = now as DatagramSocket;
      expect(a.address.port).toBeGreaterThan(0);
      const later = tryBind({ host: 'localhost', port: 0 });
      expect(later).toBeInstanceOf(Promise);
      await using b = await later;
      expect(b.address.port).toBeGreaterThan(0);
    });

    it('tryBind() throws what the OS refused at once, and bad input, before any I/O', async () => {
      await using a = await bind({ host: LOCAL, port: 0 });
      expect(() => tryBind({ host: LOCAL, port: a.address.port })).toThrow(
        expect.objectContaining({ code: 'EADDRINUSE' }) as Error,
      );
      expect(() => tryBind({ host: LOCAL, port: -1 })).toThrow(BadPortError);
      expect(() => tryBind({ host: LOCAL, port: 0 }, { receiveQueueSize: 0 })).toThrow(
        OutOfRangeError,
      );
    });

    it('trySend() says at once that the OS took a datagram, or throws what it refused', async () => {
      await using a = await bind({ host: LOCAL, port: 0 });
      await using b = await bind({ host: LOCAL, port: 0 });
      expect(a.trySend('now', to(b))).toBe(3);
      expect(a.trySend([Buffer.from('ga'), Buffer.from('thered')], to(b))).toBe(8);
      expect(() => a.trySend(new Uint8Array(70_000), to(b))).toThrow(
        expect.objectContaining({ code: 'EMSGSIZE', syscall: 'send' }) as Error,
      );
      expect(() => a.trySend('x')).toThrow(InvalidArgValueError);
      await until(() => b.queuedDatagrams === 2);
      expect(text((await b.receive()).data)).toBe('now');
      expect(text((await b.receive()).data)).toBe('gathered');
      // To a name, node:dgram looks it up first: the promise.
      const r = a.trySend('named', { host: 'localhost', port: b.address.port });
      expect(r).toBeInstanceOf(Promise);
      expect(await r).toBe(5);
    });

    it('tryReceive() takes a queued datagram at once, or nothing; throws once closed', async () => {
      await using a = await bind({ host: LOCAL, port: 0 });
      await using b = await bind({ host: LOCAL, port: 0 });
      expect(b.tryReceive()).toBeUndefined();
      expect(a.trySend('first', to(b))).toBe(5);
      expect(a.trySend('second datagram', to(b))).toBe(15);
      await until(() => b.queuedDatagrams === 2);
      const d = b.tryReceive();
      expect(d && text(d.data)).toBe('first');
      expect(d?.from.port).toBe(a.address.port);
      const into = new Uint8Array(6);
      expect(b.tryReceive(into)).toMatchObject({ bytes: 6, truncated: true });
      expect(text(into)).toBe('second');
      expect(b.tryReceive()).toBeUndefined();
      await b.close();
      expect(() => b.tryReceive()).toThrow(SocketClosedError);
    });

    it('connect() to an IP address sets remoteAddress at once; disconnect() removes it, others get through again', async () => {
      await using a = await bind({ host: LOCAL, port: await deadPort() }); // a port of its own
      await using b = await bind({ host: LOCAL, port: 0 });
      await using c = await bind({ host: LOCAL, port: 0 });
      const connecting = a.connect(to(b));
      expect(a.remoteAddress).toEqual({ address: LOCAL, port: b.address.port, family: 'IPv4' });
      await connecting;
      a.disconnect();
      expect(a.remoteAddress).toBeUndefined();
      a.disconnect(); // nothing to do
      await c.send('from c', to(a));
      expect(text((await a.receive({ signal: AbortSignal.timeout(2_000) })).data)).toBe('from c');
      await a.connect(to(c)); // another peer
      await a.send('to c');
      expect(text((await c.receive({ signal: AbortSignal.timeout(2_000) })).data)).toBe('to c');
    });

    it('disconnect() on a socket bound to port 0: Linux releases the port; the next send binds a new one', async () => {
      await using a = await bind({ host: LOCAL, port: 0 });
      await using b = await bind({ host: LOCAL, port: 0 });
      await a.connect(to(b));
      const before = a.address.port;
      a.disconnect();
      expect(a.address.port).toBe(0);
      await a.send('x', to(b));
      const { from } = await b.receive({ signal: AbortSignal.timeout(2_000) });
      expect(a.address.port).toBe(from.port);
      expect(from.port).not.toBe(0);
      expect(before).not.toBe(0);
    });
  });
});
