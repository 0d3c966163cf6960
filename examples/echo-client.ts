// An echo client: sends a message, half-closes, and reads the reply into its own buffer with a
// deadline per receive. The README's second example; test/examples.test.ts runs it against
// examples/echo-server.ts.
//
// Run it: node dist/examples/echo-client.js [port] [message]
// #region docs
import { pathToFileURL } from 'node:url';
import { connect } from 'sockflow';

/** Sends `message`, ends our side, and returns everything the server sends until it ends. */
export async function echoOnce(port: number, message: string): Promise<string> {
  await using conn = await connect(
    { host: '127.0.0.1', port },
    { signal: AbortSignal.timeout(5_000) },
  );
  await conn.send(message);
  await conn.shutdown('send'); // FIN: we are done sending, still receiving

  const buf = new Uint8Array(64 * 1024);
  const decoder = new TextDecoder();
  let reply = '';
  for (let n; (n = await conn.receive(buf, { signal: AbortSignal.timeout(1_000) })) > 0;) {
    reply += decoder.decode(buf.subarray(0, n), { stream: true });
  }
  return reply + decoder.decode();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await echoOnce(Number(process.argv[2] ?? 7000), process.argv[3] ?? 'hello\n'));
}
// #endregion docs
