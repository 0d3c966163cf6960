// A TLS echo server and a client that verifies it: listen({ tls }), connect({ tls }), and what
// conn.tls says about the handshake. docs/tls.md walks through it; test/examples-tls.test.ts
// runs it.
//
// Run it: node dist/examples/tls-echo.js <key.pem> <cert.pem> [port]
//   then: openssl s_client -connect 127.0.0.1:8443 -CAfile <cert.pem>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { connect, listen, type Connection, type Listener } from 'sockflow';

/** Echoes every connection of a TLS listener until the listener closes. */
export async function serveEcho(listener: Listener): Promise<void> {
  for await (const conn of listener) void echo(conn);
}

async function echo(conn: Connection): Promise<void> {
  await using c = conn;
  try {
    for await (const chunk of c) await c.send(chunk);
    await c.shutdown('send'); // close_notify, then FIN
  } catch {
    // The client went away: `using` closes our end.
  }
}

/** Starts a TLS echo server on `port` (0: any free port). */
export async function startEchoServer(
  key: string | Uint8Array,
  cert: string | Uint8Array,
  port = 0,
): Promise<Listener> {
  const listener = await listen(
    { host: '127.0.0.1', port },
    { tls: { key, cert, alpnProtocols: ['echo/1'] } },
  );
  void serveEcho(listener);
  return listener;
}

/**
 * Connects with verification on (the certificate must chain to `ca` and name `127.0.0.1`),
 * sends `text`, and returns what came back with what the handshake negotiated.
 */
export async function echoOnce(
  port: number,
  ca: string | Uint8Array,
  text: string,
): Promise<{ reply: string; protocol: string | undefined; alpn: string | undefined }> {
  await using conn = await connect(
    { host: '127.0.0.1', port },
    { tls: { ca, alpnProtocols: ['echo/1'] }, signal: AbortSignal.timeout(5_000) },
  );
  await conn.send(text);
  await conn.shutdown('send');
  let reply = '';
  for await (const chunk of conn) reply += Buffer.from(chunk).toString();
  return { reply, protocol: conn.tls?.protocol, alpn: conn.tls?.alpnProtocol };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [keyFile, certFile, port = '8443'] = process.argv.slice(2);
  if (keyFile === undefined || certFile === undefined) {
    console.log('usage: tls-echo <key.pem> <cert.pem> [port]');
    process.exit(2);
  }
  const listener = await startEchoServer(
    readFileSync(keyFile),
    readFileSync(certFile),
    Number(port),
  );
  console.log(`TLS echo on ${JSON.stringify(listener.address)}; Ctrl-C to stop`);
  process.once('SIGINT', () => void listener.close());
}
