// Run by test/slow-link.test.ts inside a network namespace whose loopback sends at 4 Mbit/s
// (a tbf qdisc): datagrams wait in the qdisc, the socket's send buffer fills, and the OS
// stops taking datagrams at once. Sends must then pend and complete once the datagram went
// out, each exactly once, none lost: the path a fast loopback never takes.
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
import { bind } from '../../src/core/index.js';

const N = 400;

describe('UDP on a slow link', () => {
  it('core: trySend() gives a promise once the OS stops taking datagrams at once; every one resolves and arrives', async () => {
    await using a = await bind({ host: '127.0.0.1', port: 0 });
    await using b = await bind({ host: '127.0.0.1', port: 0 }, { receiveQueueSize: N });
    const to = { host: '127.0.0.1', port: b.address.port };
    const pending: Promise<number>[] = [];
    for (let i = 0; i < N; i++) {
      const r = a.trySend(new Uint8Array(1400).fill(i & 0xff), to);
      if (typeof r !== 'number') pending.push(r);
    }
    console.log(`[slow-link] core: ${N - pending.length} taken at once, ${pending.length} queued`);
    expect(pending.length).toBeGreaterThan(0);
    expect(await Promise.all(pending)).toEqual(pending.map(() => 1400));
    for (let i = 0; i < N; i++) {
      const { data } = await b.receive({ signal: AbortSignal.timeout(10_000) });
      expect(data[0]).toBe(i & 0xff);
    }
    expect(b.dropped).toBe(0);
  });

  it('compat: sendToAsync returns true when the OS did not take the datagram at once, and completes with Success once it did', async () => {
    await using b = await bind({ host: '127.0.0.1', port: 0 }, { receiveQueueSize: N });
    using s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    s.bind(new IPEndPoint(IPAddress.Loopback, 0));
    const to = new IPEndPoint(IPAddress.Loopback, b.address.port);
    let pended = 0;
    for (let i = 0; i < N; i++) {
      const e = new SocketAsyncEventArgs();
      e.setBuffer(new Uint8Array(1400).fill(i & 0xff), 0, 1400);
      e.remoteEndPoint = to;
      const completed = new Promise<void>((r) => e.once('completed', () => r()));
      if (s.sendToAsync(e)) {
        pended++;
        await completed;
      }
      expect(e.socketError).toBe(SocketError.Success);
      expect(e.bytesTransferred).toBe(1400);
    }
    console.log(`[slow-link] compat: ${pended} of ${N} sends pended`);
    expect(pended).toBeGreaterThan(0);
    for (let i = 0; i < N; i++) {
      const { data } = await b.receive({ signal: AbortSignal.timeout(10_000) });
      expect(data[0]).toBe(i & 0xff);
    }
  });
});
