// ws (WebSocket) over a sockflow connection: ws's createConnection opens it, node:http runs
// the upgrade on it, ws the frames. docs/recipes.md walks through it;
// test/examples-libraries.test.ts runs it.
//
// Run it: node dist/examples/ws-client.js ws://127.0.0.1:8080/
import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { connect } from 'sockflow';
import { toDuplex } from 'sockflow/streams';
import { WebSocket, type ClientOptions } from 'ws';

// #region docs
/**
 * A `WebSocket` (ws) whose connection is sockflow's, open when this resolves. The WebSocket
 * owns it: `close()` runs the closing handshake and then closes it, `terminate()` closes it at
 * once; `handshakeTimeout` bounds the connection and the upgrade together.
 */
export async function openWebSocket(url: string, options: ClientOptions = {}): Promise<WebSocket> {
  // A socket at once, still connecting. ws's types want a net.Socket: the members it uses
  // are all there (SocketLike).
  const createConnection = (target: { host?: string; port?: number | string }): Socket => {
    const to = { host: target.host ?? 'localhost', port: Number(target.port ?? 80) };
    return toDuplex((signal) => connect(to, { signal })) as unknown as Socket;
  };
  const ws = new WebSocket(url, {
    handshakeTimeout: 10_000,
    ...options,
    createConnection: createConnection as ClientOptions['createConnection'],
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}
// #endregion docs

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ws = await openWebSocket(process.argv[2] ?? 'ws://127.0.0.1:8080/');
  ws.on('message', (data: Buffer) => {
    console.log(data.toString());
    ws.close();
  });
  ws.send('hello from sockflow');
}
