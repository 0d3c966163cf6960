// A pending receive under compat, every outcome it can have, with event args that carry the
// caller's async context and with ones made with unsafeSuppressExecutionContextFlow. Compat
// cancels its pending core receive by a call (src/core/internal/cancel-receive.ts), not a
// signal: Shutdown(Receive) must still complete it, and nothing else may.
import { beforeEach, describe, expect, it } from 'vitest';
import { SocketAsyncEventArgs, SocketError, SocketShutdown } from '../../src/compat/index.js';
import { bytes, compatPair, completion, rawPeer, text } from './helpers.js';

let suppressed = false;
function fast(size = 64): SocketAsyncEventArgs {
  const e = new SocketAsyncEventArgs(suppressed);
  e.setBuffer(new Uint8Array(size), 0, size);
  return e;
}

async function send(p: { client: { sendAsync(e: SocketAsyncEventArgs): boolean } }, s: string) {
  const e = new SocketAsyncEventArgs();
  e.setBuffer(bytes(s), 0, s.length);
  const done = completion(e);
  if (p.client.sendAsync(e)) await done;
}

describe.each([false, true])('compat: a pending receive (flow suppressed: %s)', (flag) => {
  beforeEach(() => {
    suppressed = flag;
  });

  it('a pending receive completes with the bytes, in order, receive after receive', async () => {
    using p = await compatPair();
    for (const word of ['one', 'two', 'three']) {
      const e = fast();
      const done = completion(e);
      expect(p.server.receiveAsync(e)).toBe(true); // nothing buffered: it pends
      await send(p, word);
      await done;
      expect([e.socketError, text(e)]).toEqual([SocketError.Success, word]);
    }
  });

  it('queued receives behind it get the bytes in issue order', async () => {
    using p = await compatPair();
    const es = [fast(2), fast(2), fast(2)];
    const done = es.map((e) => completion(e));
    for (const e of es) expect(p.server.receiveAsync(e)).toBe(true);
    await send(p, 'aabbcc');
    await Promise.all(done);
    expect(es.map(text)).toEqual(['aa', 'bb', 'cc']);
  });

  it("Shutdown(Receive) completes it with 0 bytes; the peer's FIN completes the next with 0", async () => {
    using p = await compatPair();
    const e = fast();
    const done = completion(e);
    expect(p.server.receiveAsync(e)).toBe(true);
    p.server.shutdown(SocketShutdown.Receive);
    await done;
    expect([e.socketError, e.bytesTransferred]).toEqual([SocketError.Success, 0]);

    using q = await compatPair();
    const f = fast();
    const eof = completion(f);
    expect(q.server.receiveAsync(f)).toBe(true);
    q.client.shutdown(SocketShutdown.Send);
    await eof;
    expect([f.socketError, f.bytesTransferred]).toEqual([SocketError.Success, 0]);
  });

  it('a pending zero-byte receive: Shutdown(Receive) completes it with 0, closing aborts it', async () => {
    using p = await compatPair();
    const zero = new SocketAsyncEventArgs(suppressed);
    zero.setBuffer(new Uint8Array(0), 0, 0);
    const done = completion(zero);
    expect(p.server.receiveAsync(zero)).toBe(true);
    p.server.shutdown(SocketShutdown.Receive);
    await done;
    expect([zero.socketError, zero.bytesTransferred]).toEqual([SocketError.Success, 0]);

    using q = await compatPair();
    const z = new SocketAsyncEventArgs(suppressed);
    z.setBuffer(new Uint8Array(0), 0, 0);
    const aborted = completion(z);
    expect(q.server.receiveAsync(z)).toBe(true);
    q.server.close();
    await aborted;
    expect(z.socketError).toBe(SocketError.OperationAborted);
  });

  it('closing the socket completes it with OperationAborted', async () => {
    using p = await compatPair();
    const e = fast();
    const done = completion(e);
    expect(p.server.receiveAsync(e)).toBe(true);
    p.server.close();
    await done;
    expect(e.socketError).toBe(SocketError.OperationAborted);
  });

  it("a peer's reset completes it with ConnectionReset", async () => {
    const r = await rawPeer();
    const e = fast();
    const done = completion(e);
    expect(r.socket.receiveAsync(e)).toBe(true);
    r.peer.resetAndDestroy();
    await done;
    expect(e.socketError).toBe(SocketError.ConnectionReset);
    r.close();
  });
});
