// A line-based chat server: every line a member sends goes to every other member. A line over
// 1 KiB, or a peer that resets, drops only that member. docs/streams.md walks through it;
// test/examples.test.ts runs it.
//
// Run it: node dist/examples/chat-server.js [port]   (then, twice: sockflow connect 127.0.0.1 7000)
// #region docs
import { pathToFileURL } from 'node:url';
import { listen, type Connection, type Listener } from 'sockflow';
import { lines } from 'sockflow/streams';

const members = new Set<Connection>();

async function join(conn: Connection): Promise<void> {
  await using c = conn;
  members.add(c);
  try {
    for await (const line of lines(c, { maxLineLength: 1024 })) {
      // Every send is queued behind the member's limit; a member gone meanwhile is skipped.
      for (const m of members) if (m !== c) m.send(`${line}\n`).catch(() => members.delete(m));
    }
  } catch {
    // A line over 1 KiB, or the peer reset: drop this member (closed by `await using`).
  } finally {
    members.delete(c);
  }
}

/** Runs the chat room on `listener` until it closes. */
export async function serveChat(listener: Listener): Promise<void> {
  for await (const conn of listener) void join(conn);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const listener = await listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 7000) });
  console.log('chat on', listener.address);
  await serveChat(listener);
}
// #endregion docs
