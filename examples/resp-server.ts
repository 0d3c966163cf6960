// A Redis-protocol (RESP2) server: PING, GET and SET over an in-memory map, pipelined
// commands answered in order. Each element is taken synchronously when it is buffered
// already (tryReadUntil/tryReadExactly), awaited otherwise; answers to a pipelined batch leave
// as one write. test/examples-servers.test.ts runs it with redis-cli and redis-benchmark.
//
// Run it: node dist/examples/resp-server.js [port]   (then: redis-cli -p 6380 SET k v)
// #region docs
import { pathToFileURL } from 'node:url';
import { listen, type Connection, type Listener } from 'sockflow';
import { readExactly, readUntil, tryReadExactly, tryReadUntil } from 'sockflow/streams';

const CRLF = new Uint8Array([13, 10]);
const LINE = { maxBytes: 64 }; // an element's header line
const MAX_ARGS = 64;
const MAX_BULK = 512 * 1024;
const decoder = new TextDecoder();

/** The number in an element's header line after its type byte (`*3`, `$5`), or -1. */
function header(bytes: Uint8Array, type: string): number {
  let n = bytes.length > 1 && bytes[0] === type.charCodeAt(0) ? 0 : -1;
  for (let i = 1; i < bytes.length && n >= 0; i++) {
    const digit = (bytes[i] as number) - 48;
    n = digit >= 0 && digit <= 9 ? n * 10 + digit : -1;
  }
  return n;
}

/**
 * A command: an array of bulk strings. A buffered element is taken at once (no promise); only
 * one that has not arrived is awaited (`??` evaluates its right side only then).
 */
async function command(c: Connection): Promise<string[]> {
  const count = header(tryReadUntil(c, CRLF, LINE) ?? (await readUntil(c, CRLF, LINE)), '*');
  if (!(count >= 1 && count <= MAX_ARGS)) throw new Error('protocol error');
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    const size = header(tryReadUntil(c, CRLF, LINE) ?? (await readUntil(c, CRLF, LINE)), '$');
    if (!(size >= 0 && size <= MAX_BULK)) throw new Error('protocol error');
    const data = tryReadExactly(c, size + 2) ?? (await readExactly(c, size + 2)); // with its CRLF
    args.push(decoder.decode(data.subarray(0, size)));
  }
  return args;
}

const bulk = (v: string | undefined): string =>
  v === undefined ? '$-1\r\n' : `$${Buffer.byteLength(v)}\r\n${v}\r\n`;

/** Answers one connection's commands in order, until it closes. */
async function resp(conn: Connection, store: Map<string, string>): Promise<void> {
  await using c = conn;
  for (;;) {
    let args: string[];
    try {
      args = await command(c);
    } catch (err) {
      if ((err as Error).message === 'protocol error') await c.send('-ERR protocol error\r\n');
      return; // or the client closed (FrameTruncatedError)
    }
    const [name = '', key = '', value = ''] = args;
    const cmd = name.toUpperCase();
    if (cmd === 'PING') await c.send(args.length > 1 ? bulk(key) : '+PONG\r\n');
    else if (cmd === 'GET' && args.length === 2) await c.send(bulk(store.get(key)));
    else if (cmd === 'SET' && args.length === 3) await c.send((store.set(key, value), '+OK\r\n'));
    else await c.send(`-ERR unknown command or wrong arguments '${name}'\r\n`);
  }
}

/** Serves every connection `listener` accepts, sharing one store, until the listener closes. */
export async function serve(listener: Listener, store = new Map<string, string>()): Promise<void> {
  for await (const conn of listener) {
    resp(conn, store).catch((err: unknown) => console.error('resp:', (err as Error).message));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const listener = await listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 6380) });
  console.log('RESP server on', listener.address);
  await serve(listener);
}
// #endregion docs
