// A length-prefixed JSON RPC: each message is a 4-byte big-endian length and a JSON payload.
// Requests carry an id and the reply repeats it, so a call aborted by its deadline leaves
// the stream intact and its late reply is skipped by the next call. docs/streams.md walks
// through it; test/examples.test.ts runs it.
//
// Run it: node dist/examples/rpc.js [port]   (a server that adds numbers)
// #region docs
import { pathToFileURL } from 'node:url';
import { listen, type Connection, type Listener } from 'sockflow';
import { messages, sendMessage } from 'sockflow/streams';

interface Request {
  id: number;
  op: string;
  args: unknown[];
}
interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}
type Handler = (...args: unknown[]) => unknown;

const decoder = new TextDecoder();

/** Server side: one request, one reply, in order, until the client ends. */
export async function serveRpc(conn: Connection, handlers: Record<string, Handler>): Promise<void> {
  await using c = conn;
  for await (const payload of messages(c, { maxMessageBytes: 1 << 20 })) {
    const { id, op, args } = JSON.parse(decoder.decode(payload)) as Request;
    const handler = Object.hasOwn(handlers, op) ? handlers[op] : undefined;
    const reply: Reply =
      handler === undefined ? { id, error: `no such op: ${op}` } : { id, result: handler(...args) };
    await sendMessage(c, JSON.stringify(reply));
  }
}

/** Client side: calls one at a time, each with its own deadline. */
export class RpcClient {
  readonly conn: Connection;
  #nextId = 1;
  constructor(conn: Connection) {
    this.conn = conn;
  }

  async call(op: string, args: unknown[], { timeoutMs = 1_000 } = {}): Promise<unknown> {
    const id = this.#nextId++;
    const signal = AbortSignal.timeout(timeoutMs);
    await sendMessage(this.conn, JSON.stringify({ id, op, args }), { signal });
    // An aborted step gives back what it had read: the next call sees the stream unchanged.
    for await (const payload of messages(this.conn, { maxMessageBytes: 1 << 20, signal })) {
      const reply = JSON.parse(decoder.decode(payload)) as Reply;
      if (reply.id !== id) continue; // the late reply to an earlier, timed-out call
      if (reply.error !== undefined) throw new Error(reply.error);
      return reply.result;
    }
    throw new Error('the server closed the connection');
  }
}

/** Serves `handlers` to every connection of `listener`. */
export async function serve(listener: Listener, handlers: Record<string, Handler>): Promise<void> {
  for await (const conn of listener) serveRpc(conn, handlers).catch(() => {});
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const listener = await listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 7001) });
  console.log('rpc on', listener.address);
  await serve(listener, { sum: (...xs) => xs.reduce((a: number, x) => a + Number(x), 0) });
}
// #endregion docs
