// `sockflow demo` (what `npm start` runs): an echo server and a client in one process over
// loopback, each step printed. Exits by itself.
import { connect, listen, type Connection } from '../core/index.js';
import type { Stdio } from './io.js';

/** Runs the demo, printing to `io.stdout`; resolves with the exit code (0: the echo was intact). */
export async function demoCommand(io: Stdio): Promise<number> {
  const log = (who: string, what: string) => io.stdout.write(`${who.padEnd(6)} ${what}\n`);

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
    log(
      'server',
      `connection ${info.reason}: ${info.bytesReceived} bytes in, ${info.bytesSent} out`,
    );
  }

  await using listener = await listen({ host: '127.0.0.1', port: 0 });
  const { port } = listener.address as { port: number };
  log('server', `listening on 127.0.0.1:${port}`);
  const serving = (async () => {
    for await (const conn of listener) await serve(conn);
  })();

  const lines = ['hello, sockflow', 'cancel-safe receives', 'bounded memory'];
  let echoed = '';
  {
    await using conn = await connect(
      { host: '127.0.0.1', port },
      { signal: AbortSignal.timeout(5_000) },
    );
    log('client', `connected from port ${(conn.localAddress as { port: number }).port}`);
    for (const line of lines) {
      await conn.send(`${line}\n`);
      log('client', `sent "${line}"`);
    }
    await conn.shutdown('send');
    log('client', 'sent FIN; reading the echo');
    const decoder = new TextDecoder();
    for await (const chunk of conn) echoed += decoder.decode(chunk, { stream: true });
    log('client', `got back ${JSON.stringify(echoed)}`);
  }
  await listener.close();
  await serving;
  const intact = echoed === lines.map((l) => `${l}\n`).join('');
  log('demo', intact ? 'done: the echo was intact' : 'the echo DIFFERS');
  return intact ? 0 : 1;
}
