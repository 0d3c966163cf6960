// An HTTP/1.1 client on the framing helpers: the head with readUntil, the body by its
// Content-Length or chunk by chunk, every part bounded. docs/streams.md walks through it;
// test/examples.test.ts runs it against node:http.
//
// Run it: node dist/examples/http-client.js http://127.0.0.1:8080/path
// #region docs
import { pathToFileURL } from 'node:url';
import { connect, type Connection } from 'sockflow';
import { readExactly, readUntil } from 'sockflow/streams';

export interface HttpResponse {
  status: number;
  /** Field names in lower case; repeated fields joined with ", ". */
  headers: Map<string, string>;
  body: Uint8Array;
}

const MAX_HEAD = 64 * 1024;
const text = new TextDecoder();

/** GETs `url` (http: only) over a connection of its own, within `timeoutMs`. */
export async function get(
  url: string,
  { timeoutMs = 10_000, maxBodyBytes = 16 << 20 } = {},
): Promise<HttpResponse> {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new TypeError(`not an http: URL: ${url}`);
  const signal = AbortSignal.timeout(timeoutMs);
  const host = u.hostname.replace(/^\[|\]$/g, ''); // [::1] → ::1
  await using conn = await connect({ host, port: Number(u.port || 80) }, { signal });
  await conn.send(
    `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`,
    { signal },
  );

  const head = text.decode(await readUntil(conn, '\r\n\r\n', { maxBytes: MAX_HEAD, signal }));
  const [statusLine = '', ...fields] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (status === undefined) throw new Error(`not an HTTP/1.x response: ${statusLine}`);
  const headers = new Map<string, string>();
  for (const field of fields) {
    const colon = field.indexOf(':');
    const name = field.slice(0, colon).trim().toLowerCase();
    const value = field.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }

  let body: Uint8Array;
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
    body = await readChunked(conn, maxBodyBytes, signal);
  } else if (headers.has('content-length')) {
    const length = Number(headers.get('content-length'));
    if (!Number.isSafeInteger(length) || length < 0 || length > maxBodyBytes) {
      throw new Error(`Content-Length ${headers.get('content-length')} refused`);
    }
    body = await readExactly(conn, length, { signal });
  } else {
    body = await readToEnd(conn, maxBodyBytes, signal); // the body ends with the connection
  }
  return { status: Number(status), headers, body };
}

/** A chunked body: hex size line, that many bytes, CRLF; a 0 size and trailers end it. */
async function readChunked(conn: Connection, max: number, signal: AbortSignal) {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const line = text.decode(await readUntil(conn, '\r\n', { maxBytes: 1024, signal }));
    const size = parseInt(line, 16); // chunk extensions after ';' are ignored
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad chunk size: ${line}`);
    if (size === 0) break;
    if ((total += size) > max) throw new Error(`body over ${max} bytes`);
    parts.push(await readExactly(conn, size, { signal }));
    await readUntil(conn, '\r\n', { maxBytes: 2, signal }); // the chunk's CRLF
  }
  while ((await readUntil(conn, '\r\n', { maxBytes: MAX_HEAD, signal })).length > 0);
  return Buffer.concat(parts);
}

async function readToEnd(conn: Connection, max: number, signal: AbortSignal) {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let chunk; (chunk = await conn.read({ signal })) !== null;) {
    if ((total += chunk.length) > max) throw new Error(`body over ${max} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const res = await get(process.argv[2] ?? 'http://127.0.0.1:8080/');
  console.log(res.status, Object.fromEntries(res.headers));
  process.stdout.write(res.body);
}
// #endregion docs
