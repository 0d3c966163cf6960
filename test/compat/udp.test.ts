// Compat's datagram sockets beyond the .NET trace (udp-trace.test.ts): what a hostile sender
// and several waiting receives do.
import { describe, expect, it } from 'vitest';
import {
  AddressFamily,
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketError,
  SocketType,
} from '../../src/compat/index.js';
import { bind, DEFAULT_RECEIVE_QUEUE_SIZE } from '../../src/core/index.js';
import { until } from './helpers.js';

function udp(): Socket {
  const s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
  s.bind(new IPEndPoint(IPAddress.Loopback, 0));
  return s;
}

function receiveArgs(size: number): SocketAsyncEventArgs {
  const e = new SocketAsyncEventArgs();
  e.setBuffer(new Uint8Array(size), 0, size);
  e.remoteEndPoint = new IPEndPoint(IPAddress.Any, 0);
  return e;
}

describe('compat datagram sockets', () => {
  it('a flood of 100,000 datagrams nobody receives: at most the core queue size (1,024) are held', async () => {
    using s = udp();
    await using flood = await bind({ host: '127.0.0.1', port: 0 });
    const to = { host: '127.0.0.1', port: (s.localEndPoint as IPEndPoint).port };
    const datagram = new Uint8Array(64);
    for (let i = 0; i < 100_000; i++) {
      const r = flood.trySend(datagram, to);
      if (typeof r !== 'number') await r;
      if (i % 1_000 === 999) await new Promise((r) => setImmediate(r)); // let them arrive
    }
    await new Promise((r) => setTimeout(r, 100));
    const e = receiveArgs(64);
    let held = 0;
    while (!s.receiveFromAsync(e)) {
      expect(e.socketError).toBe(SocketError.Success);
      held++;
    }
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(DEFAULT_RECEIVE_QUEUE_SIZE);
    s.close(); // completes the receive left waiting
    await until(() => e.socketError === SocketError.OperationAborted);
  });

  it('several waiting receives get datagrams oldest first, one each, each with its sender', async () => {
    using s = udp();
    using a = udp();
    const waiting = [receiveArgs(16), receiveArgs(16), receiveArgs(16)];
    const order: number[] = [];
    waiting.forEach((e, i) => {
      e.on('completed', () => order.push(i));
      expect(s.receiveFromAsync(e)).toBe(true);
    });
    for (const text of ['one', 'two', 'three']) {
      const e = new SocketAsyncEventArgs();
      e.setBuffer(Buffer.from(text), 0, text.length);
      e.remoteEndPoint = s.localEndPoint;
      expect(a.sendToAsync(e)).toBe(false);
    }
    await until(() => order.length === 3);
    expect(order).toEqual([0, 1, 2]);
    expect(
      waiting.map((e) => Buffer.from(e.buffer!.subarray(0, e.bytesTransferred)).toString()),
    ).toEqual(['one', 'two', 'three']);
    for (const e of waiting) expect(e.remoteEndPoint).toEqual(a.localEndPoint);
  });
});
