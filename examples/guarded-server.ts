// A line server a slow or hostile peer cannot exhaust: every per-connection cost bounded
// (idle time, unread bytes, pending accepts, line length, time per line). It answers each
// line with its length. docs/security.md walks through it; test/examples.test.ts floods it.
//
// Run it: node dist/examples/guarded-server.js [port]
// #region docs
import { pathToFileURL } from 'node:url';
import { listen, type Connection, type Listener, type ListenOptions } from 'sockflow';
import { FrameTimeoutError, FrameTooLargeError, lines } from 'sockflow/streams';

export const guarded: ListenOptions = {
  idleTimeout: 60_000, // a connection with no traffic for a minute ends
  receiveBufferSize: 64 * 1024, // unread bytes held per connection
  maxPendingAccepts: 256, // connections waiting for accept() beyond this are closed
};

async function answer(conn: Connection): Promise<void> {
  try {
    // A line may be 4 KiB long and must be whole within 10 s of its first byte.
    for await (const line of lines(conn, { maxLineLength: 4096, frameTimeout: 10_000 })) {
      await conn.send(`${line.length}\n`);
    }
    await conn.close();
  } catch (err) {
    if (err instanceof FrameTimeoutError) console.warn('too slow:', conn.remoteAddress);
    else if (err instanceof FrameTooLargeError) console.warn('too long:', conn.remoteAddress);
    await conn.reset(); // too slow, too long, or gone: drop it without a goodbye
  }
}

/** Answers every connection of `listener` until it closes. */
export async function serveGuarded(listener: Listener): Promise<void> {
  for await (const conn of listener) void answer(conn);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.argv[2] ?? 7000);
  await serveGuarded(await listen({ host: '0.0.0.0', port }, guarded));
}
// #endregion docs
