// `npm start`: an echo server and a client in one process over loopback, printing what they
// do. Exits by itself.
import { connect, listen, type Connection } from 'sockflow';

function log(who: string, what: string): void {
  console.log(`${who.padEnd(6)} ${what}`);
}

async function serve(conn: Connection): Promise<void> {
  const peer = conn.remoteAddress;
  log('server', `accepted ${'port' in peer ? `${peer.address}:${peer.port}` : peer.path}`);
  // Echo until the client finishes sending, then finish ours: half-close both ways.
  for await (const chunk of conn) {
    log('server', `echoing ${chunk.length} bytes`);
    await conn.send(chunk);
  }
  log('server', 'client finished sending; closing');
  const info = await conn.close();
  log('server', `connection ${info.reason}: ${info.bytesReceived} bytes in, ${info.bytesSent} out`);
}

await using listener = await listen({ host: '127.0.0.1', port: 0 });
const { port } = listener.address as { port: number };
log('server', `listening on 127.0.0.1:${port}`);
const serving = (async () => {
  for await (const conn of listener) await serve(conn);
})();

{
  await using conn = await connect(
    { host: '127.0.0.1', port },
    { signal: AbortSignal.timeout(5_000) },
  );
  log('client', `connected from port ${(conn.localAddress as { port: number }).port}`);
  const lines = ['hello, sockflow', 'cancel-safe receives', 'bounded memory'];
  for (const line of lines) {
    await conn.send(`${line}\n`);
    log('client', `sent "${line}"`);
  }
  await conn.shutdown('send');
  log('client', 'sent FIN; reading the echo');
  let echoed = '';
  for await (const chunk of conn) echoed += new TextDecoder().decode(chunk);
  log('client', `got back ${JSON.stringify(echoed)}`);
  log('client', echoed === lines.map((l) => `${l}\n`).join('') ? 'echo intact' : 'echo DIFFERS');
}

await listener.close();
await serving;
log('demo', 'done');
