// ws (WebSocket) over a sockflow connection: ws's createConnection opens it, node:http runs
// the upgrade on it, ws the frames. docs/recipes.md walks through it;
// test/examples-libraries.test.ts runs it.
//
// Run it: node dist/examples/ws-client.js ws://127.0.0.1:8080/
import { pathToFileURL } from 'node:url';
import { connect } from 'sockflow';
import { toDuplex, type SocketDuplex } from 'sockflow/streams';
import { WebSocket, type ClientOptions } from 'ws';

// #region docs
/**
 * A `WebSocket` (ws) whose connection is sockflow's, open when this resolves. The WebSocket
 * owns it: `close()` runs the closing handshake and then closes it, `terminate()` closes it at
 * once; `handshakeTimeout` bounds the connection and the upgrade together.
 */
export async function openWebSocket(url: string, options: ClientOptions = {}): Promise<WebSocket> {
  // ws hands createConnection to node:http, which also takes the answer through a callback.
  type Done = (err: Error | null, socket?: SocketDuplex) => void;
  const createConnection = (target: { host?: string; port?: number | string }, done: Done) => {
    connect({ host: target.host ?? 'localhost', port: Number(target.port ?? 80) }).then(
      (conn) => done(null, toDuplex(conn)),
      (err: Error) => done(err),
    );
    return undefined;
  };
  const ws = new WebSocket(url, {
    handshakeTimeout: 10_000,
    ...options,
    // ws's types want a socket returned at once; node:http's callback form is what it runs.
    createConnection: createConnection as unknown as ClientOptions['createConnection'],
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
