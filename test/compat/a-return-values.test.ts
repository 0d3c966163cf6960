// Section A of the SAEA conformance reference: what xxxAsync returns, when 'completed' fires,
// and in which context.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  AddressFamily,
  ArgumentException,
  ArgumentNullException,
  DnsEndPoint,
  IPAddress,
  IPEndPoint,
  InvalidOperationException,
  ObjectDisposedException,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketAsyncOperation,
  SocketError,
  SocketType,
} from '../../src/compat/index.js';
import {
  args,
  bytes,
  compatPair,
  completion,
  listening,
  run,
  tcp,
  text,
  until,
  turns,
} from './helpers.js';

const never = (): never => {
  throw new Error("'completed' must not be raised for an operation that returned false");
};

/** Long enough for a stray 'completed' to show (see `turns`). */
const settle = (): Promise<void> => turns(10);

describe('A: return values and completion', () => {
  it('A2: a synchronous failure returns false and never raises completed (static connect, NoData)', async () => {
    const e = new SocketAsyncEventArgs();
    e.remoteEndPoint = new DnsEndPoint('127.0.0.1', 9, AddressFamily.InterNetworkV6);
    e.on('completed', never);
    expect(Socket.connectAsync(SocketType.Stream, ProtocolType.Tcp, e)).toBe(false);
    expect(e.socketError).toBe(SocketError.NoData);
    expect(e.connectSocket).toBeNull();
    await settle();
  });

  it('A2: a receive with bytes already buffered returns false with the result in e', async () => {
    using p = await compatPair();
    const s = args();
    s.setBuffer(bytes('ready'), 0, 5);
    expect(p.client.sendAsync(s)).toBe(false);
    await until(() => p.server.available === 5);
    const e = args();
    e.on('completed', never);
    expect(p.server.receiveAsync(e)).toBe(false);
    expect(e.socketError).toBe(SocketError.Success);
    expect(text(e)).toBe('ready');
    await settle();
  });

  it('A2: a receive with nothing buffered returns true and raises completed exactly once', async () => {
    using p = await compatPair();
    const e = args();
    let calls = 0;
    e.on('completed', () => calls++);
    expect(p.server.receiveAsync(e)).toBe(true);
    const s = args();
    s.setBuffer(bytes('later'), 0, 5);
    p.client.sendAsync(s);
    await until(() => calls > 0);
    await settle();
    expect(calls).toBe(1);
    expect(text(e)).toBe('later');
  });

  it('A3: an immediate OS failure is reported in e, not thrown (receive NotConnected, send Shutdown)', () => {
    using s = tcp();
    const r = args();
    expect(s.receiveAsync(r)).toBe(false);
    expect(r.socketError).toBe(SocketError.NotConnected);
    const w = args();
    expect(s.sendAsync(w)).toBe(false);
    expect(w.socketError).toBe(SocketError.Shutdown);
  });

  it('A4: an argument error is thrown and leaves e free for the next operation', async () => {
    using p = await compatPair();
    const e = new SocketAsyncEventArgs();
    e.bufferList = [new Uint8Array(4)];
    expect(() => p.listener.acceptAsync(e)).toThrow(ArgumentException);
    // e is not busy: a receive with it works.
    const s = args();
    s.setBuffer(bytes('ok'), 0, 2);
    p.client.sendAsync(s);
    const r = await run((x) => p.server.receiveAsync(x), e);
    expect(r.socketError).toBe(SocketError.Success);
    expect(r.bytesTransferred).toBe(2);
  });

  it('A5: a null e throws ArgumentNullException("e") from every operation', async () => {
    using p = await compatPair();
    const calls: (() => unknown)[] = [
      () => p.server.receiveAsync(null as never),
      () => p.server.sendAsync(null as never),
      () => p.listener.acceptAsync(null as never),
      () => tcp().connectAsync(null as never),
      () => p.server.disconnectAsync(null as never),
      () => Socket.connectAsync(SocketType.Stream, ProtocolType.Tcp, null as never),
      () => Socket.cancelConnectAsync(null as never),
    ];
    for (const call of calls) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ArgumentNullException);
      expect((err as ArgumentNullException).paramName).toBe('e');
      expect((err as Error).message).toBe("Value cannot be null. (Parameter 'e')");
    }
  });

  it('A6: a disposed socket throws ObjectDisposedException before touching e', async () => {
    const p = await compatPair();
    p.server.close();
    const e = args();
    for (const op of [
      () => p.server.receiveAsync(e),
      () => p.server.sendAsync(e),
      () => p.server.disconnectAsync(e),
      () => p.server.connectAsync(e),
    ]) {
      expect(op).toThrow(ObjectDisposedException);
    }
    expect(e.lastOperation).toBe(SocketAsyncOperation.None);
    p[Symbol.dispose]();
  });

  it('A7: receive is false with bytes buffered, true without', async () => {
    using p = await compatPair();
    const e = args();
    const done = completion(e);
    expect(p.server.receiveAsync(e)).toBe(true);
    const s = args();
    s.setBuffer(bytes('abcd'), 0, 4);
    p.client.sendAsync(s);
    await done;
    await until(() => p.server.available === 0);
    p.client.sendAsync(s);
    await until(() => p.server.available === 4);
    expect(p.server.receiveAsync(e)).toBe(false);
  });

  it('A7: accept is false with a connection waiting, true without', async () => {
    using l = await listening();
    const e = new SocketAsyncEventArgs();
    const first = completion(e);
    expect(l.acceptAsync(e)).toBe(true);
    using c1 = tcp();
    const ce = new SocketAsyncEventArgs();
    ce.remoteEndPoint = l.localEndPoint;
    await run((x) => c1.connectAsync(x), ce);
    await first;
    e.acceptSocket?.close();
    using c2 = tcp();
    await run((x) => c2.connectAsync(x), ce);
    await settle(); // the listener has taken the connection from the kernel by now (one a turn)
    e.acceptSocket = null;
    e.on('completed', never);
    expect(l.acceptAsync(e)).toBe(false);
    expect(e.socketError).toBe(SocketError.Success);
    const accepted = e.acceptSocket as Socket | null; // (TypeScript narrowed it to null above)
    expect(accepted?.connected).toBe(true);
    accepted?.close();
    await settle();
  });

  it('A7: a small send is false (the OS took it at once), a send larger than the kernel takes is true', async () => {
    using p = await compatPair();
    const small = args();
    small.setBuffer(bytes('x'), 0, 1);
    expect(p.client.sendAsync(small)).toBe(false);
    const big = new SocketAsyncEventArgs();
    big.setBuffer(new Uint8Array(64 * 1024 * 1024), 0, 64 * 1024 * 1024);
    const done = completion(big);
    expect(p.client.sendAsync(big)).toBe(true);
    // Read it all so the send can finish.
    const r = args(1 << 20);
    let got = 0;
    while (got < 1 + 64 * 1024 * 1024) {
      const x = await run((y) => p.server.receiveAsync(y), r);
      got += x.bytesTransferred;
    }
    await done;
    expect(big.bytesTransferred).toBe(64 * 1024 * 1024);
  });

  it('A7: connect is true (Node connects asynchronously); disconnect is always false', async () => {
    using l = await listening();
    using s = tcp();
    const e = new SocketAsyncEventArgs();
    e.remoteEndPoint = l.localEndPoint;
    const done = completion(e);
    expect(s.connectAsync(e)).toBe(true);
    await done;
    expect(e.socketError).toBe(SocketError.Success);
    const d = new SocketAsyncEventArgs();
    d.on('completed', never);
    expect(s.disconnectAsync(d)).toBe(false);
    expect(d.socketError).toBe(SocketError.Success);
    await settle();
  });

  it('A8: completed is never raised inside the xxxAsync call', async () => {
    using p = await compatPair();
    let inCall = false;
    const seen: boolean[] = [];
    const e = args();
    e.on('completed', () => seen.push(inCall));
    inCall = true;
    const pending = p.server.receiveAsync(e);
    inCall = false;
    expect(pending).toBe(true);
    const s = args();
    s.setBuffer(bytes('z'), 0, 1);
    inCall = true;
    p.client.sendAsync(s);
    inCall = false;
    await until(() => seen.length === 1);
    expect(seen).toEqual([false]);
  });

  it('A9: e is released before completed runs, so the handler can start the next operation with it', async () => {
    using p = await compatPair();
    const got: string[] = [];
    const e = args(1);
    e.on('completed', (sender, x) => {
      got.push(text(x));
      if (got.length < 3) {
        while (!sender.receiveAsync(x)) got.push(text(x));
      }
    });
    expect(p.server.receiveAsync(e)).toBe(true);
    const s = args();
    s.setBuffer(bytes('abc'), 0, 3);
    p.client.sendAsync(s);
    await until(() => got.length >= 3);
    expect(got.slice(0, 3)).toEqual(['a', 'b', 'c']);
  });

  it("A10: the handler gets (sender, e) and a subclass's onCompleted intercepts completions", async () => {
    using p = await compatPair();
    class Counting extends SocketAsyncEventArgs {
      completions = 0;
      protected override onCompleted(e: SocketAsyncEventArgs): void {
        this.completions++;
        super.onCompleted(e);
      }
    }
    const e = new Counting();
    e.setBuffer(new Uint8Array(8), 0, 8);
    const done = completion(e);
    p.server.receiveAsync(e);
    const s = args();
    s.setBuffer(bytes('hi'), 0, 2);
    p.client.sendAsync(s);
    const { sender, e: got } = await done;
    expect(sender).toBe(p.server);
    expect(got).toBe(e);
    expect(e.completions).toBe(1);
  });

  it('A11: the async context of the call flows into completed, unless suppressed', async () => {
    using p = await compatPair();
    const als = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const flowing = args(1);
    const queued = args(1);
    const suppressed = new SocketAsyncEventArgs(true);
    suppressed.setBuffer(new Uint8Array(1), 0, 1);
    for (const e of [flowing, queued, suppressed]) {
      e.on('completed', () => seen.push(als.getStore()));
    }
    als.run('first', () => p.server.receiveAsync(flowing));
    als.run('queued', () => p.server.receiveAsync(queued)); // waits behind the first
    als.run('suppressed', () => p.server.receiveAsync(suppressed));
    const s = args();
    s.setBuffer(bytes('abc'), 0, 3);
    p.client.sendAsync(s);
    await until(() => seen.length === 3);
    expect(seen).toEqual(['first', 'queued', undefined]);
  });

  it('A12: concurrent receives with separate event args get the bytes in issue order', async () => {
    using p = await compatPair();
    const es = [args(2), args(2), args(2)];
    const done = es.map((e) => completion(e));
    for (const e of es) expect(p.server.receiveAsync(e)).toBe(true);
    const s = args();
    s.setBuffer(bytes('aabbcc'), 0, 6);
    p.client.sendAsync(s);
    await Promise.all(done);
    expect(es.map(text)).toEqual(['aa', 'bb', 'cc']);
  });

  it('A12: concurrent sends are not interleaved and keep their order', async () => {
    using p = await compatPair();
    const size = 4 * 1024 * 1024;
    const sends = [0x61, 0x62, 0x63].map((fill) => {
      const e = new SocketAsyncEventArgs();
      e.setBuffer(new Uint8Array(size).fill(fill), 0, size);
      return e;
    });
    const pending = sends.map((e) => run((x) => p.client.sendAsync(x), e));
    const r = args(1 << 20);
    const all = new Uint8Array(3 * size);
    let got = 0;
    while (got < all.length) {
      const x = await run((y) => p.server.receiveAsync(y), r);
      all.set((r.buffer as Uint8Array).subarray(0, x.bytesTransferred), got);
      got += x.bytesTransferred;
    }
    await Promise.all(pending);
    for (let i = 0; i < 3; i++) {
      expect(all.subarray(i * size, (i + 1) * size).every((b) => b === 0x61 + i)).toBe(true);
    }
  });

  it('A14: the task-adapter pattern reads the result at once on false and from completed on true', async () => {
    using p = await compatPair();
    // The adapter ported code writes (Socket.Tasks.cs's AwaitableSocketAsyncEventArgs, in short).
    const receive = (e: SocketAsyncEventArgs): Promise<number> =>
      new Promise((resolve, reject) => {
        const finish = (x: SocketAsyncEventArgs): void =>
          x.socketError === SocketError.Success
            ? resolve(x.bytesTransferred)
            : reject(new Error(SocketError[x.socketError]));
        e.once('completed', (_s, x) => finish(x));
        if (!p.server.receiveAsync(e)) {
          e.removeAllListeners('completed');
          finish(e);
        }
      });
    const e = args(4);
    const waiting = receive(e); // pending path
    const s = args();
    s.setBuffer(bytes('abcdefgh'), 0, 8);
    p.client.sendAsync(s);
    expect(await waiting).toBe(4);
    await until(() => p.server.available === 4);
    expect(await receive(e)).toBe(4); // synchronous path
  });

  it('B8 and A4: starting a second operation on a busy e throws and leaves the first one alone', async () => {
    using p = await compatPair();
    const e = args();
    const done = completion(e);
    expect(p.server.receiveAsync(e)).toBe(true);
    let err: unknown;
    try {
      p.client.sendAsync(e);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(InvalidOperationException);
    expect((err as Error).message).toBe(
      'An asynchronous socket operation is already in progress using this SocketAsyncEventArgs instance.',
    );
    expect(e.lastOperation).toBe(SocketAsyncOperation.Receive);
    const s = args();
    s.setBuffer(bytes('first'), 0, 5);
    p.client.sendAsync(s);
    await done;
    expect(text(e)).toBe('first');
  });

  it('A7: an IPEndPoint connect to the loopback completes through completed with the connected socket', async () => {
    using l = await listening();
    using s = tcp();
    const e = new SocketAsyncEventArgs();
    e.remoteEndPoint = new IPEndPoint(IPAddress.Loopback, (l.localEndPoint as IPEndPoint).port);
    const { sender } = await (async () => {
      const d = completion(e);
      expect(s.connectAsync(e)).toBe(true);
      return d;
    })();
    expect(sender).toBe(s);
    expect(e.connectSocket).toBe(s);
    expect(s.connected).toBe(true);
  });
});
