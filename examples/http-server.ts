// An HTTP/1.1 server: keep-alive, pipelining, a limit on the request head, Content-Length
// bodies. The natural loop (a head, its body, its answer) is all it takes: answers to
// pipelined requests leave together as one write (docs/design.md, "Gathered sends").
// test/examples-servers.test.ts runs it with curl and with a raw pipelined client.
//
// Run it: node dist/examples/http-server.js [port]   (then: curl http://127.0.0.1:8080/)
// #region docs
import { pathToFileURL } from 'node:url';
import { listen, type Connection, type Listener } from 'sockflow';
import { FrameTooLargeError, readExactly, readUntil } from 'sockflow/streams';

const MAX_HEAD = 16 * 1024; // a larger request head gets 431 and the connection ends
const MAX_BODY = 1024 * 1024;
const decoder = new TextDecoder();

function answer(status: string, body: string, close: boolean): string {
  const end = close ? 'Connection: close\r\n' : '';
  const length = Buffer.byteLength(body);
  return `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n${end}\r\n${body}`;
}

/** Answers one connection's requests in order, until the client closes or asks to. */
async function http(conn: Connection): Promise<void> {
  await using c = conn; // closed gracefully at the end: what was sent goes out first
  for (;;) {
    let head: string;
    try {
      head = decoder.decode(await readUntil(c, '\r\n\r\n', { maxBytes: MAX_HEAD }));
    } catch (err) {
      if (err instanceof FrameTooLargeError) await c.send(answer('431 Too Large', '', true));
      return; // or the client closed between requests (FrameTruncatedError)
    }
    const [start = '', ...lines] = head.split('\r\n');
    const [method, target, version] = start.split(' ');
    const fields = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(fields.get('content-length') ?? 0);
    if (!version?.startsWith('HTTP/1.') || fields.has('transfer-encoding') || !(length >= 0)) {
      await c.send(answer('400 Bad Request', 'Content-Length bodies only\n', true));
      return;
    }
    if (length > MAX_BODY) {
      await c.send(answer('413 Content Too Large', '', true));
      return;
    }
    const body = await readExactly(c, length);
    const close = fields.get('connection') === 'close' || version === 'HTTP/1.0';
    const text = method === 'POST' ? `${body.length} bytes to ${target}\n` : `hello ${target}\n`;
    await c.send(answer('200 OK', text, close));
    if (close) return;
  }
}

/** Serves every connection `listener` accepts, each on its own, until the listener closes. */
export async function serve(listener: Listener): Promise<void> {
  for await (const conn of listener) {
    http(conn).catch((err: unknown) => console.error('http:', (err as Error).message));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const listener = await listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 8080) });
  console.log('HTTP server on', listener.address);
  await serve(listener);
}
// #endregion docs
