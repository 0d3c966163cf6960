// Memory of sends waiting their turn: one process connects to a listener that never reads,
// fills the kernel's buffers, then starts --queued-sends (100,000) sends of one shared 1 KiB
// buffer without awaiting them, and measures the heap they hold (after full collections, run
// with --expose-gc): bytes per waiting send beyond the payload, which is shared. Issue 16's
// target for sockflow: at most 200 B.
//
//   send-queue raw <n>             net.Socket write(), the writable's own buffer
//   send-queue sockflow <n>        send() without a signal
//   send-queue sockflow-signal <n> send() with one signal shared by every send
import * as net from 'node:net';
import { once } from 'node:events';
import { connect } from 'sockflow';
import { measure } from './common.js';

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('send-queue needs node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

export async function sendQueue(impl: string, n: number): Promise<void> {
  const held: net.Socket[] = [];
  const server = net.createServer({ pauseOnConnect: true }, (s) => held.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const chunk = Buffer.alloc(1024, 1);
  const fill = Buffer.alloc(16 << 20, 2); // more than loopback buffers
  // The promises are kept, as an application that awaits them later would: their slots
  // (8 B each) are counted too.
  const kept: unknown[] = new Array<unknown>(n);
  const done = measure();
  let perSend: number;
  if (impl === 'raw') {
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    s.write(fill);
    await new Promise((r) => setTimeout(r, 100));
    const before = heap();
    for (let i = 0; i < n; i++) kept[i] = s.write(chunk);
    perSend = (heap() - before) / n;
    s.destroy();
  } else {
    const conn = await connect(
      { host: '127.0.0.1', port },
      { maxPendingSends: 1, maxQueuedSendBytes: Infinity },
    );
    const options = impl === 'sockflow-signal' ? { signal: new AbortController().signal } : {};
    const first = conn.send(fill, options).catch(() => 0); // in flight, stalled
    await new Promise((r) => setTimeout(r, 100));
    const before = heap();
    for (let i = 0; i < n; i++) kept[i] = conn.send(chunk, options);
    perSend = (heap() - before) / n;
    if (conn.pendingSends !== n + 1) throw new Error('send-queue: the sends did not all wait');
    const settled = Promise.allSettled(kept); // handled before the reset rejects them
    void conn.reset();
    await Promise.all([first, settled]);
  }
  for (const s of held) s.destroy();
  server.close();
  done({ bytes: 0, messages: n, heapPerSend: perSend });
}
