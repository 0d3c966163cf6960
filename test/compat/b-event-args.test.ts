// Section B of the SAEA conformance reference: the state of a SocketAsyncEventArgs.
import { describe, expect, it } from 'vitest';
import {
  ArgumentException,
  ArgumentNullException,
  ArgumentOutOfRangeException,
  ArraySegment,
  DnsEndPoint,
  IPEndPoint,
  InvalidOperationException,
  ObjectDisposedException,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketAsyncOperation,
  SocketError,
  SocketFlags,
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
  thrown,
} from './helpers.js';

const IN_PROGRESS =
  'An asynchronous socket operation is already in progress using this SocketAsyncEventArgs instance.';

describe('B: SocketAsyncEventArgs state', () => {
  it('B1: a fresh instance has .NET defaults', () => {
    const e = new SocketAsyncEventArgs();
    expect(e.buffer).toBeNull();
    expect(e.memoryBuffer).toBeNull();
    expect(e.offset).toBe(0);
    expect(e.count).toBe(0);
    expect(e.bufferList).toBeNull();
    expect(e.bytesTransferred).toBe(0);
    expect(e.socketError).toBe(SocketError.Success);
    expect(e.socketFlags).toBe(SocketFlags.None);
    expect(e.lastOperation).toBe(SocketAsyncOperation.None);
    expect(e.remoteEndPoint).toBeNull();
    expect(e.userToken).toBeNull();
    expect(e.acceptSocket).toBeNull();
    expect(e.connectSocket).toBeNull();
    expect(e.connectByNameError).toBeNull();
    expect(e.disconnectReuseSocket).toBe(false);
  });

  it('B2: setBuffer(array, offset, count) sets the range; null clears it and ignores offset and count', () => {
    const e = new SocketAsyncEventArgs();
    const a = new Uint8Array(10);
    e.setBuffer(a, 2, 5);
    expect(e.buffer).toBe(a);
    expect(e.memoryBuffer).toBe(a); // the whole array, not the slice
    expect([e.offset, e.count]).toEqual([2, 5]);
    const b = new Uint8Array(3);
    e.setBuffer(b, 0, 3); // setting another array again is allowed
    expect(e.buffer).toBe(b);
    e.setBuffer(null, 1, 2);
    expect([e.buffer, e.offset, e.count]).toEqual([null, 0, 0]);
  });

  it('B2: bad ranges throw ArgumentOutOfRangeException naming offset before count', () => {
    const one = new Uint8Array(1);
    for (const [offset, count, param] of [
      [-1, 0, 'offset'],
      [2, 0, 'offset'],
      [0, -1, 'count'],
      [0, 2, 'count'],
      [1, 2, 'count'],
    ] as const) {
      const err = thrown(() => new SocketAsyncEventArgs().setBuffer(one, offset, count));
      expect(err).toBeInstanceOf(ArgumentOutOfRangeException);
      expect(err).toBeInstanceOf(ArgumentException);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as ArgumentOutOfRangeException).paramName).toBe(param);
    }
    // .NET's message, unsigned comparison included.
    expect(thrown(() => new SocketAsyncEventArgs().setBuffer(one, -1, 0)).message).toBe(
      "offset ('4294967295') must be less than or equal to '1'. (Parameter 'offset')\nActual value was 4294967295.",
    );
    expect(thrown(() => new SocketAsyncEventArgs().setBuffer(one, 1, 2)).message).toBe(
      "count ('2') must be less than or equal to '0'. (Parameter 'count')\nActual value was 2.",
    );
  });

  it('B2: setBuffer(array) while bufferList is set throws and changes nothing', () => {
    const e = new SocketAsyncEventArgs();
    const list = [new Uint8Array(2)];
    e.bufferList = list;
    const err = thrown(() => e.setBuffer(new Uint8Array(4), 0, 4));
    expect(err).toBeInstanceOf(ArgumentException);
    expect(err.message).toBe('Buffer and BufferList properties cannot both be non-null.');
    expect(e.buffer).toBeNull();
    expect(e.bufferList).toBe(list);
  });

  it('B3: setBuffer(offset, count) is a no-op without a buffer and range-checks the current array', () => {
    const e = new SocketAsyncEventArgs();
    e.setBuffer(42, 84);
    expect([e.offset, e.count]).toEqual([0, 0]);
    const a = new Uint8Array(2);
    e.setBuffer(a, 0, 2);
    for (const [offset, count, param] of [
      [-1, 2, 'offset'],
      [3, 2, 'offset'],
      [0, -1, 'count'],
      [0, 3, 'count'],
    ] as const) {
      const err = thrown(() => e.setBuffer(offset, count));
      expect((err as ArgumentOutOfRangeException).paramName).toBe(param);
    }
    e.setBuffer(1, 1);
    expect([e.buffer, e.offset, e.count]).toEqual([a, 1, 1]);
  });

  it('B3: setBuffer(offset, count) after setBuffer(memory) throws InvalidOperationException after the range checks', () => {
    const e = new SocketAsyncEventArgs();
    e.setBuffer(new Uint8Array(2));
    for (const [o, c] of [
      [0, 42],
      [0, 0],
      [1, 1],
    ] as const) {
      const err = thrown(() => e.setBuffer(o, c));
      expect(err).toBeInstanceOf(
        o === 0 && c === 42 ? ArgumentOutOfRangeException : InvalidOperationException,
      );
    }
    expect(thrown(() => e.setBuffer(1, 1)).message).toBe(
      'This operation may only be performed when the buffer was set using the SetBuffer overload that accepts an array.',
    );
    expect([e.offset, e.count]).toEqual([0, 2]);
  });

  it('B4: setBuffer(memory) covers it whole; buffer is null; empty memory clears', () => {
    const e = new SocketAsyncEventArgs();
    const m = new Uint8Array(8).subarray(2, 6);
    e.setBuffer(m);
    expect(e.buffer).toBeNull();
    expect(e.memoryBuffer).toBe(m);
    expect([e.offset, e.count]).toEqual([0, 4]);
    e.setBuffer(new Uint8Array(0));
    expect([e.memoryBuffer, e.offset, e.count]).toEqual([null, 0, 0]);
    e.setBuffer(m);
    e.setBuffer(null);
    expect(e.memoryBuffer).toBeNull();
  });

  it('B4: non-empty memory with bufferList set throws; empty memory is an allowed no-op', () => {
    const e = new SocketAsyncEventArgs();
    const list = [new Uint8Array(1)];
    e.bufferList = list;
    expect(() => e.setBuffer(new Uint8Array(3))).toThrow(ArgumentException);
    e.setBuffer(new Uint8Array(0));
    expect(e.bufferList).toBe(list);
  });

  it('B5: bufferList while a buffer is set throws and changes nothing', () => {
    const e = new SocketAsyncEventArgs();
    const a = new Uint8Array(4);
    e.setBuffer(a, 0, 4);
    expect(() => (e.bufferList = [new Uint8Array(1)])).toThrow(
      'Buffer and BufferList properties cannot both be non-null.',
    );
    expect(e.buffer).toBe(a);
    expect(e.bufferList).toBeNull();
    const m = new SocketAsyncEventArgs();
    m.setBuffer(new Uint8Array(4));
    expect(() => (m.bufferList = [new Uint8Array(1)])).toThrow(ArgumentException);
  });

  it('B5: every segment is validated when set, the second one too', () => {
    const e = new SocketAsyncEventArgs();
    const good = new ArraySegment(new Uint8Array(4), 1, 2);
    const err = thrown(
      () => (e.bufferList = [good, { array: new Uint8Array(2), offset: -1, count: 1 }]),
    );
    expect(err).toBeInstanceOf(ArgumentOutOfRangeException);
    expect((err as ArgumentOutOfRangeException).paramName).toBe('offset');
    expect(thrown(() => (e.bufferList = [good, null as never]))).toBeInstanceOf(
      ArgumentNullException,
    );
    expect(() => (e.bufferList = [{ array: new Uint8Array(2), offset: 1, count: 2 }])).toThrow(
      ArgumentException,
    );
    expect(e.bufferList).toBeNull();
    expect(() => new ArraySegment(new Uint8Array(2), 1, 2)).toThrow(
      'Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.',
    );
  });

  it('B5: segments are copied when set: changing the list later changes nothing; the getter returns the list', async () => {
    using p = await compatPair();
    const e = new SocketAsyncEventArgs();
    const list = [bytes('ab'), new ArraySegment(bytes('xcdx'), 1, 2)];
    e.bufferList = list;
    expect(e.bufferList).toBe(list);
    list.push(bytes('NOT SENT'));
    list[0] = bytes('ZZ');
    expect(p.client.sendAsync(e)).toBe(false);
    expect(e.bytesTransferred).toBe(4);
    const r = await run((x) => p.server.receiveAsync(x), args());
    expect(text(r)).toBe('abcd');
    e.bufferList = null;
    expect(e.bufferList).toBeNull();
  });

  it("B6: accept and connect reject a bufferList with .NET's parameter names", async () => {
    using l = await listening();
    const e = new SocketAsyncEventArgs();
    e.bufferList = [new Uint8Array(1)];
    e.remoteEndPoint = l.localEndPoint;
    const a = thrown(() => l.acceptAsync(e));
    expect([a.constructor, (a as ArgumentException).paramName, a.message]).toEqual([
      ArgumentException,
      'e',
      "Multiple buffers cannot be used with this method. (Parameter 'e')",
    ]);
    using s = tcp();
    expect((thrown(() => s.connectAsync(e)) as ArgumentException).paramName).toBe('BufferList');
    expect(
      (
        thrown(() =>
          Socket.connectAsync(SocketType.Stream, ProtocolType.Tcp, e),
        ) as ArgumentException
      ).paramName,
    ).toBe('e');
  });

  it('B7: setBuffer and bufferList throw while an operation is in flight; other setters do not', async () => {
    using p = await compatPair();
    const e = args();
    const done = completion(e);
    p.server.receiveAsync(e);
    expect(thrown(() => e.setBuffer(0, 1)).message).toBe(IN_PROGRESS);
    expect(thrown(() => e.setBuffer(new Uint8Array(1), 0, 1))).toBeInstanceOf(
      InvalidOperationException,
    );
    expect(thrown(() => e.setBuffer(new Uint8Array(1)))).toBeInstanceOf(InvalidOperationException);
    expect(thrown(() => (e.bufferList = null))).toBeInstanceOf(InvalidOperationException);
    e.userToken = 'mine';
    e.remoteEndPoint = new DnsEndPoint('localhost', 1);
    e.acceptSocket = null;
    e.socketFlags = SocketFlags.None;
    e.socketError = SocketError.Success;
    e.disconnectReuseSocket = true;
    const s = args();
    s.setBuffer(bytes('x'), 0, 1);
    p.client.sendAsync(s);
    await done;
    e.dispose();
    expect(thrown(() => e.setBuffer(0, 1))).toBeInstanceOf(ObjectDisposedException);
    expect(thrown(() => (e.bufferList = null))).toBeInstanceOf(ObjectDisposedException);
  });

  it('B8: an operation on a disposed event args throws ObjectDisposedException', async () => {
    using p = await compatPair();
    const e = args();
    e.dispose();
    const err = thrown(() => p.server.receiveAsync(e));
    expect(err).toBeInstanceOf(ObjectDisposedException);
    expect(err.message).toBe(
      "Cannot access a disposed object.\nObject name: 'System.Net.Sockets.SocketAsyncEventArgs'.",
    );
  });

  it('B9: bytesTransferred is written on every completion: receive, accept (0), disconnect (0)', async () => {
    using p = await compatPair();
    const e = args();
    const s = args();
    s.setBuffer(bytes('four'), 0, 4);
    p.client.sendAsync(s);
    await run((x) => p.server.receiveAsync(x), e);
    expect(e.bytesTransferred).toBe(4);
    using l = await listening();
    const ce = new SocketAsyncEventArgs();
    ce.remoteEndPoint = l.localEndPoint;
    using c = tcp();
    e.setBuffer(null, 0, 0);
    const accepted = run((x) => l.acceptAsync(x), e);
    await run((x) => c.connectAsync(x), ce);
    await accepted;
    expect(e.bytesTransferred).toBe(0);
    e.acceptSocket?.close();
    s.setBuffer(bytes('x'), 0, 1);
    p.client.sendAsync(s);
    expect(s.bytesTransferred).toBe(1);
    expect(p.client.disconnectAsync(s)).toBe(false);
    expect(s.bytesTransferred).toBe(0);
  });

  it('B10: socketError is written on every completion and can be set by the user', () => {
    using s = tcp();
    const e = args();
    e.socketError = SocketError.TimedOut;
    expect(e.socketError).toBe(SocketError.TimedOut);
    s.receiveAsync(e);
    expect(e.socketError).toBe(SocketError.NotConnected);
  });

  it('B11: socketFlags is None after every operation: a Peek is gone after the receive', async () => {
    using p = await compatPair();
    const s = args();
    s.setBuffer(bytes('peekaboo'), 0, 8);
    s.socketFlags = SocketFlags.DontRoute;
    expect(p.client.sendAsync(s)).toBe(false);
    expect(s.socketError).toBe(SocketError.Success);
    expect(s.socketFlags).toBe(SocketFlags.None);
    const e = args(4);
    e.socketFlags = SocketFlags.Peek;
    await run((x) => p.server.receiveAsync(x), e);
    expect(text(e)).toBe('peek');
    expect(e.socketFlags).toBe(SocketFlags.None);
    expect(p.server.available).toBe(8); // nothing consumed
    await run((x) => p.server.receiveAsync(x), e);
    expect(text(e)).toBe('peek'); // now consumed
    expect(p.server.available).toBe(4);
  });

  it('B11: peeking into a Node Buffer gives back a copy: reusing the buffer does not change what follows', async () => {
    using p = await compatPair();
    const s = args();
    s.setBuffer(bytes('abcd'), 0, 4);
    p.client.sendAsync(s);
    await until(() => p.server.available === 4);
    const e = new SocketAsyncEventArgs();
    const b = Buffer.alloc(4);
    e.setBuffer(b, 0, 4);
    e.socketFlags = SocketFlags.Peek;
    expect(p.server.receiveAsync(e)).toBe(false);
    b.fill(0x7a); // reuse the buffer, as a receive loop does
    expect(p.server.receiveAsync(e)).toBe(false);
    expect(b.toString()).toBe('abcd');
  });

  it('B12: lastOperation is set when the operation starts, and stays after it fails', async () => {
    using p = await compatPair();
    const e = args();
    const done = completion(e);
    p.server.receiveAsync(e);
    expect(e.lastOperation).toBe(SocketAsyncOperation.Receive);
    p.server.close();
    await done;
    expect(e.lastOperation).toBe(SocketAsyncOperation.Receive);
    expect(e.socketError).toBe(SocketError.OperationAborted);
    using s = tcp();
    s.sendAsync(e);
    expect(e.lastOperation).toBe(SocketAsyncOperation.Send);
  });

  it('B13: remoteEndPoint null throws remoteEP (instance) or e (static); bind takes no DnsEndPoint', () => {
    using s = tcp();
    const e = new SocketAsyncEventArgs();
    const a = thrown(() => s.connectAsync(e));
    expect([a.constructor, (a as ArgumentNullException).paramName]).toEqual([
      ArgumentNullException,
      'remoteEP',
    ]);
    const b = thrown(() => Socket.connectAsync(SocketType.Stream, ProtocolType.Tcp, e));
    expect([b.constructor, (b as ArgumentException).paramName, b.message]).toEqual([
      ArgumentException,
      'e',
      "Null is not a valid value for e.RemoteEndPoint. (Parameter 'e')",
    ]);
    const c = thrown(() => s.bind(new DnsEndPoint('localhost', 0)));
    expect([(c as ArgumentException).paramName, c.message]).toEqual([
      'remoteEP',
      "The parameter remoteEP must not be of type DnsEndPoint. (Parameter 'remoteEP')",
    ]);
  });

  it('B14: userToken round-trips any value and the socket never touches it', async () => {
    using p = await compatPair();
    const token = { id: 7 };
    const e = args();
    e.userToken = token;
    const s = args();
    s.setBuffer(bytes('x'), 0, 1);
    p.client.sendAsync(s);
    await run((x) => p.server.receiveAsync(x), e);
    expect(e.userToken).toBe(token);
  });

  it('B15: acceptSocket null gets a new socket; a fresh one is filled in place; a used one throws', async () => {
    using l = await listening();
    const connectOne = async (): Promise<Socket> => {
      const c = tcp();
      const ce = new SocketAsyncEventArgs();
      ce.remoteEndPoint = l.localEndPoint;
      await run((x) => c.connectAsync(x), ce);
      return c;
    };
    const e = new SocketAsyncEventArgs();
    const a1 = run((x) => l.acceptAsync(x), e);
    using c1 = await connectOne();
    await a1;
    const first = e.acceptSocket as Socket;
    expect(first.connected).toBe(true);
    // Reusing e without clearing acceptSocket: it is connected now.
    expect(thrown(() => l.acceptAsync(e)).message).toBe(
      'AcceptSocket: The socket must not be bound or connected.',
    );
    const fresh = tcp();
    e.acceptSocket = fresh;
    const a2 = run((x) => l.acceptAsync(x), e);
    using c2 = await connectOne();
    await a2;
    expect(e.acceptSocket).toBe(fresh);
    expect(fresh.connected).toBe(true);
    using bound = tcp();
    bound.bind(new IPEndPoint('127.0.0.1', 0));
    e.acceptSocket = bound;
    expect(() => l.acceptAsync(e)).toThrow(InvalidOperationException);
    first.close();
    fresh.close();
    void c1;
    void c2;
  });

  it('B16: connectSocket is null at the start, the socket on success, null on failure', async () => {
    using l = await listening();
    using s = tcp();
    const e = new SocketAsyncEventArgs();
    e.remoteEndPoint = l.localEndPoint;
    await run((x) => s.connectAsync(x), e);
    expect(e.connectSocket).toBe(s);
    const port = (l.localEndPoint as IPEndPoint).port;
    l.close(); // closes the listening handle before returning: the port refuses from now on
    using t = tcp();
    e.remoteEndPoint = new IPEndPoint('127.0.0.1', port);
    const pending = completion(e);
    expect(t.connectAsync(e)).toBe(true);
    expect(e.connectSocket).toBeNull();
    await pending;
    expect(e.socketError).toBe(SocketError.ConnectionRefused);
    expect(e.connectSocket).toBeNull();
  });

  it('B17: connectByNameError is a SocketException after a failed DnsEndPoint connect, null otherwise', async () => {
    const l = await listening();
    const port = (l.localEndPoint as IPEndPoint).port;
    l.close(); // closes the listening handle before returning: the port refuses from now on
    using s = tcp();
    const e = new SocketAsyncEventArgs();
    e.remoteEndPoint = new DnsEndPoint('localhost', port);
    await run((x) => s.connectAsync(x), e);
    expect(e.socketError).toBe(SocketError.ConnectionRefused);
    expect(e.connectByNameError).toMatchObject({
      name: 'SocketException',
      socketErrorCode: SocketError.ConnectionRefused,
      message: 'Connection refused',
    });
    e.remoteEndPoint = new IPEndPoint('127.0.0.1', port);
    await run((x) => s.connectAsync(x), e);
    expect(e.socketError).toBe(SocketError.ConnectionRefused);
    expect(e.connectByNameError).toBeNull();
  });

  it('B18: operations never change offset and count', async () => {
    using p = await compatPair();
    const e = new SocketAsyncEventArgs();
    e.setBuffer(new Uint8Array(1024), 16, 1000);
    const s = args();
    s.setBuffer(bytes('0123456789'), 0, 10);
    p.client.sendAsync(s);
    await run((x) => p.server.receiveAsync(x), e);
    expect([e.offset, e.count, e.bytesTransferred]).toEqual([16, 1000, 10]);
    expect(Buffer.from((e.buffer as Uint8Array).subarray(16, 26)).toString()).toBe('0123456789');
  });

  it('B19: dispose is idempotent, deferred while in use: the operation completes, then e is disposed', async () => {
    using p = await compatPair();
    const e = args();
    let reuse: unknown;
    const done = new Promise<void>((resolve) =>
      e.once('completed', (sender, x) => {
        try {
          sender.receiveAsync(x);
        } catch (err) {
          reuse = err;
        }
        resolve();
      }),
    );
    expect(p.server.receiveAsync(e)).toBe(true);
    e.dispose();
    e.dispose();
    const s = args();
    s.setBuffer(bytes('abc'), 0, 3);
    p.client.sendAsync(s);
    await done;
    expect(reuse).toBeInstanceOf(ObjectDisposedException);
    expect([e.bytesTransferred, e.socketError, e.count]).toEqual([3, SocketError.Success, 64]);
    e.userToken = 5; // unguarded setters still work
    expect(e.userToken).toBe(5);
  });

  it('B20: completed is multicast; a removed handler is not called again', async () => {
    using p = await compatPair();
    const e = args(1);
    const calls: string[] = [];
    const a = (): void => void calls.push('a');
    e.on('completed', a);
    e.on('completed', () => calls.push('b'));
    const s = args();
    s.setBuffer(bytes('xy'), 0, 1);
    p.server.receiveAsync(e);
    p.client.sendAsync(s);
    await until(() => calls.length === 2);
    e.off('completed', a);
    p.server.receiveAsync(e);
    p.client.sendAsync(s);
    await until(() => calls.length === 3);
    expect(calls).toEqual(['a', 'b', 'b']);
  });

  it('B21: one event args serves different sockets and operation kinds in turn', async () => {
    using p = await compatPair();
    const e = args();
    e.setBuffer(bytes('one'), 0, 3);
    await run((x) => p.client.sendAsync(x), e);
    e.setBuffer(new Uint8Array(8), 0, 8);
    await run((x) => p.server.receiveAsync(x), e);
    expect(text(e)).toBe('one');
    e.setBuffer(bytes('two'), 0, 3);
    await run((x) => p.server.sendAsync(x), e);
    e.setBuffer(new Uint8Array(8), 0, 8);
    await run((x) => p.client.receiveAsync(x), e);
    expect(text(e)).toBe('two');
    expect(e.lastOperation).toBe(SocketAsyncOperation.Receive);
  });
});
