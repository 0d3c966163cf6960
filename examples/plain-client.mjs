// The echo client in plain JavaScript, closing in `finally`: the form for Node 20 and 22,
// which cannot parse `await using` (Node 24 and newer can). The README shows it;
// test/examples.test.ts runs it.
//
// Run it: node examples/plain-client.mjs [port] [message]   (after npm run build)
// #region docs
import { pathToFileURL } from 'node:url';
import { connect } from 'sockflow';

/**
 * Sends `message`, ends our side, and returns the reply.
 * @param {number} port
 * @param {string} message
 * @returns {Promise<string>}
 */
export async function echoOnce(port, message) {
  const conn = await connect({ host: '127.0.0.1', port }, { signal: AbortSignal.timeout(5_000) });
  try {
    await conn.send(message);
    await conn.shutdown('send');
    const decoder = new TextDecoder();
    let reply = '';
    for await (const chunk of conn) reply += decoder.decode(chunk, { stream: true });
    return reply + decoder.decode();
  } finally {
    await conn.close(); // what `await using` does at the end of its block
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await echoOnce(Number(process.argv[2] ?? 7000), process.argv[3] ?? 'hello\n'));
}
// #endregion docs
