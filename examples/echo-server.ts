// An echo server: every connection gets back what it sends until it half-closes. The README's
// first example; test/examples.test.ts runs it.
//
// Run it: node dist/examples/echo-server.js [port]   (then: sockflow connect 127.0.0.1 7000)
// #region docs
import { pathToFileURL } from 'node:url';
import { listen, type Connection, type Listener } from 'sockflow';

/** Echoes one connection until the peer's FIN, then closes it gracefully. */
async function echo(conn: Connection): Promise<void> {
  await using c = conn; // closed at the end of the block, whatever happens
  for await (const chunk of c) await c.send(chunk);
}

/** Serves every connection `listener` accepts, each on its own, until the listener closes. */
export async function serve(listener: Listener): Promise<void> {
  for await (const conn of listener) {
    // One peer's reset ends its own connection, never the server.
    echo(conn).catch((err: unknown) => console.error('echo:', (err as Error).message));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const listener = await listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 7000) });
  console.log('echo server on', listener.address);
  await serve(listener);
}
// #endregion docs
