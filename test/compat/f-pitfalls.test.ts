// Section F of the SAEA conformance reference: what a naive port gets wrong. (Items covered
// by an A/B/C test are not repeated: F2 by A2/A8, F3 and F5 by C2/C7, F7 by B11, F8 by B15,
// F9 by B18, F10 by B19/C8, F12 by B12, F14 by C8, F15 by A2, F17/F18 by C7, F19/F22 by
// C13, F20 by C10, F21 by C14, F23 by A11.)
import { describe, expect, it } from 'vitest';
import { SocketAsyncEventArgs, SocketError, type Socket } from '../../src/compat/index.js';
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

describe('F: pitfalls', () => {
  it('F1: a while (!receiveAsync(e)) loop over 100,000 ready chunks completes synchronously without growing the stack', async () => {
    using p = await compatPair();
    const total = 100_000;
    const s = new SocketAsyncEventArgs();
    s.setBuffer(new Uint8Array(total).fill(0x2a), 0, total);
    expect(p.client.sendAsync(s)).toBe(false);
    await until(() => p.server.available === total);
    const e = args(1); // one byte at a time: 100,000 synchronous completions
    let completions = 0;
    let raised = 0;
    e.on('completed', () => raised++);
    while (!p.server.receiveAsync(e)) {
      expect(e.bytesTransferred).toBe(1);
      if (++completions === total) break;
    }
    expect(completions).toBe(total);
    await turns(10);
    expect(raised).toBe(0); // nothing was queued behind the loop's back
  });

  it('F1: zero-count receives with bytes buffered complete synchronously every time, without recursion', async () => {
    using p = await compatPair();
    const s = args();
    s.setBuffer(bytes('x'), 0, 1);
    p.client.sendAsync(s);
    await until(() => p.server.available === 1);
    const e = args();
    e.setBuffer(0, 0);
    let n = 0;
    while (!p.server.receiveAsync(e) && ++n < 100_000) expect(e.bytesTransferred).toBe(0);
    expect(n).toBe(100_000);
    expect(p.server.available).toBe(1);
  });

  it('F1: a handler that loops on synchronous completions is never re-entered by the layer', async () => {
    using p = await compatPair();
    const e = args(7);
    let depth = 0;
    let maxDepth = 0;
    let got = 0;
    const total = 200_000;
    const finished = new Promise<void>((resolve) => {
      const process = (x: SocketAsyncEventArgs): boolean => {
        got += x.bytesTransferred;
        return got >= total || x.bytesTransferred === 0;
      };
      e.on('completed', (sender: Socket, x) => {
        depth++;
        maxDepth = Math.max(maxDepth, depth);
        let done = process(x);
        while (!done && !sender.receiveAsync(x)) done = process(x);
        depth--;
        if (done) resolve();
      });
    });
    expect(p.server.receiveAsync(e)).toBe(true);
    // The sender trickles, so completions come both ways: synchronous and pending.
    for (let sent = 0; sent < total; sent += 10_000) {
      const s = new SocketAsyncEventArgs();
      s.setBuffer(new Uint8Array(10_000), 0, 10_000);
      await run((x) => p.client.sendAsync(x), s);
      await new Promise((r) => setImmediate(r));
    }
    await finished;
    expect(got).toBe(total);
    expect(maxDepth).toBe(1);
  });

  it('F1/E8: an accept loop over many waiting connections loops on false instead of recursing', async () => {
    using l = await listening();
    const clients: Socket[] = [];
    for (let i = 0; i < 50; i++) {
      const c = tcp();
      const ce = new SocketAsyncEventArgs();
      ce.remoteEndPoint = l.localEndPoint;
      await run((x) => c.connectAsync(x), ce);
      clients.push(c);
    }
    await turns(20); // libuv accepts one waiting connection a turn: the last ones are in now
    const accepted: Socket[] = [];
    const e = new SocketAsyncEventArgs();
    for (;;) {
      e.acceptSocket = null;
      if (l.acceptAsync(e)) break;
      expect(e.socketError).toBe(SocketError.Success);
      accepted.push(e.acceptSocket as unknown as Socket);
    }
    expect(accepted.length).toBe(50);
    l.close();
    await completion(e);
    for (const s of [...accepted, ...clients]) s.close();
  });

  it('F6: an exception thrown by a completed handler surfaces as uncaught, and the socket stays usable', async () => {
    using p = await compatPair();
    const saved = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    try {
      const caught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
      const boom = new Error('handler failed');
      const e = args();
      e.once('completed', () => {
        throw boom;
      });
      expect(p.server.receiveAsync(e)).toBe(true);
      const s = args();
      s.setBuffer(bytes('one'), 0, 3);
      p.client.sendAsync(s);
      expect(await caught).toBe(boom);
      expect(text(e)).toBe('one');
      // e was released before the handler ran, and the socket still works.
      s.setBuffer(bytes('two'), 0, 3);
      p.client.sendAsync(s);
      const next = await run((x) => p.server.receiveAsync(x), e);
      expect(text(next)).toBe('two');
    } finally {
      for (const l of saved) process.on('uncaughtException', l);
    }
  });

  it('F11: switching between a buffer and a buffer list needs clearing the other first', async () => {
    using p = await compatPair();
    const e = args(8);
    expect(() => (e.bufferList = [new Uint8Array(1)])).toThrow(
      'Buffer and BufferList properties cannot both be non-null.',
    );
    e.setBuffer(null, 0, 0);
    e.bufferList = [bytes('li'), bytes('st')];
    expect(p.client.sendAsync(e)).toBe(false);
    expect(() => e.setBuffer(new Uint8Array(2), 0, 2)).toThrow(
      'Buffer and BufferList properties cannot both be non-null.',
    );
    e.setBuffer(new Uint8Array(0)); // empty memory with a list set: allowed, nothing changes
    e.bufferList = null;
    e.setBuffer(new Uint8Array(8), 0, 8);
    const r = await run((x) => p.server.receiveAsync(x), e);
    expect(text(r)).toBe('list');
  });

  it('F16: many event args may run on one socket at once: a receive and sends in flight together', async () => {
    using p = await compatPair();
    const r = args();
    const received = completion(r);
    expect(p.server.receiveAsync(r)).toBe(true);
    const size = 32 * 1024 * 1024;
    const big = new SocketAsyncEventArgs();
    big.setBuffer(new Uint8Array(size).fill(1), 0, size);
    const small = args();
    small.setBuffer(bytes('tail'), 0, 4);
    const bigDone = run((x) => p.server.sendAsync(x), big);
    const smallDone = run((x) => p.server.sendAsync(x), small);
    const c = args(1 << 20);
    let got = 0;
    let last = '';
    while (got < size + 4) {
      await run((x) => p.client.receiveAsync(x), c);
      got += c.bytesTransferred;
      last = Buffer.from((c.buffer as Uint8Array).subarray(0, c.bytesTransferred)).toString(
        'latin1',
      );
    }
    await Promise.all([bigDone, smallDone]);
    expect(last.endsWith('tail')).toBe(true);
    const s = args();
    s.setBuffer(bytes('ping'), 0, 4);
    p.client.sendAsync(s);
    await received;
    expect(text(r)).toBe('ping');
  });

  it('F13: a send that fails reports its error (bytesTransferred 0: Node does not say how many bytes left)', async () => {
    using p = await compatPair();
    const size = 64 * 1024 * 1024;
    const big = new SocketAsyncEventArgs();
    big.setBuffer(new Uint8Array(size), 0, size);
    const done = completion(big);
    expect(p.client.sendAsync(big)).toBe(true);
    p.server.close(0); // the peer resets
    await done;
    expect([SocketError.ConnectionReset, SocketError.Shutdown]).toContain(big.socketError);
    expect(big.bytesTransferred).toBe(0);
    expect(p.client.connected).toBe(false);
  });
});
