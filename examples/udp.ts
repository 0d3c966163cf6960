// UDP with sockflow: an echo server, and a DNS-style client that sends a request and waits for
// the matching reply with a timeout, retrying a lost datagram. docs/datagrams.md walks through
// it; test/examples-udp.test.ts runs it.
//
// Run it: node dist/examples/udp.js [port]   (an echo server; try: socat - UDP:127.0.0.1:5300)
import { pathToFileURL } from 'node:url';
import { bind, type DatagramSocket } from 'sockflow';

// #region echo
/** Echoes every datagram back to its sender until the socket closes. */
export async function serveEcho(socket: DatagramSocket): Promise<void> {
  for await (const { data, from } of socket) {
    await socket.send(data, { host: from.address, port: from.port });
  }
}
// #endregion echo

// #region request
/**
 * A request/response exchange over UDP, as DNS does it: each request carries a 16-bit id,
 * the reply must carry the same id (a late reply to an earlier attempt is skipped), and a
 * request without a reply within `timeoutMs` is sent again, up to `attempts` times.
 */
export async function request(
  server: { host: string; port: number },
  payload: Uint8Array,
  { timeoutMs = 500, attempts = 3 } = {},
): Promise<Uint8Array> {
  await using socket = await bind({ host: server.host.includes(':') ? '::' : '0.0.0.0', port: 0 });
  await socket.connect(server); // only the server's datagrams are delivered
  const id = Math.floor(Math.random() * 0x10000);
  const message = new Uint8Array(2 + payload.length);
  new DataView(message.buffer).setUint16(0, id);
  message.set(payload, 2);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await socket.send(message);
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      for (;;) {
        const { data } = await socket.receive({ signal: deadline });
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        if (data.length >= 2 && view.getUint16(0) === id) return data.subarray(2);
      }
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError') throw err;
    }
  }
  throw new Error(`no reply from ${server.host}:${server.port} after ${attempts} attempts`);
}
// #endregion request

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const socket = await bind({ host: '127.0.0.1', port: Number(process.argv[2] ?? 5300) });
  console.log(`UDP echo on 127.0.0.1:${socket.address.port}`);
  await serveEcho(socket);
}
