// The RESP (Redis protocol) server of issue 23 for redis-benchmark to load (the bench's
// servers section), beside redis-server itself:
//
//   resp-server <impl>   listen on port 0, serve until SIGTERM; SIGUSR2 starts the measured
//                        window, SIGTERM prints its RESULT (the main thread's exact CPU) and
//                        exits.
//
//   raw      node:net, a hand parser in the 'data' handler, one write for a chunk's answers
//   streams  examples/resp-server.ts as it is: tryReadUntil/tryReadExactly with the async
//            forms as fallback, one send per answer (gathered: one write per batch)
import * as net from 'node:net';
import { listen } from 'sockflow';
import { serve } from '../../examples/resp-server.js';
import { measure } from './common.js';

const CRLF = Buffer.from('\r\n');
const NIL = Buffer.from('$-1\r\n');

/** Parses the complete commands of `b` from `at`; returns where the first incomplete one starts. */
function commands(b: Buffer, store: Map<string, Buffer>, out: Buffer[]): number {
  let at = 0;
  for (;;) {
    const start = at;
    const eol = b.indexOf(CRLF, at);
    if (eol < 0 || b[at] !== 0x2a) return start; // '*'
    const count = Number(b.toString('latin1', at + 1, eol));
    at = eol + 2;
    const args: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const e = b.indexOf(CRLF, at);
      if (e < 0) return start;
      const size = Number(b.toString('latin1', at + 1, e));
      if (e + 2 + size + 2 > b.length) return start;
      args.push(b.subarray(e + 2, e + 2 + size));
      at = e + 2 + size + 2;
    }
    const name = (args[0] ?? Buffer.alloc(0)).toString('latin1').toUpperCase();
    if (name === 'GET' && args.length === 2) {
      const v = store.get((args[1] as Buffer).toString('latin1'));
      if (v === undefined) out.push(NIL);
      else out.push(Buffer.from(`$${v.length}\r\n`), v, CRLF);
    } else if (name === 'SET' && args.length === 3) {
      store.set((args[1] as Buffer).toString('latin1'), Buffer.from(args[2] as Buffer));
      out.push(Buffer.from('+OK\r\n'));
    } else if (name === 'PING') out.push(Buffer.from('+PONG\r\n'));
    else out.push(Buffer.from(`-ERR unknown command '${name}'\r\n`));
  }
}

function serveRaw(): Promise<number> {
  const store = new Map<string, Buffer>();
  const server = net.createServer({ noDelay: true }, (s) => {
    let pending: Buffer | null = null;
    s.on('data', (chunk: Buffer) => {
      const b: Buffer = pending === null ? chunk : Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      const used = commands(b, store, out);
      pending = used < b.length ? b.subarray(used) : null;
      if (out.length > 0) s.write(Buffer.concat(out));
    });
    s.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

async function serveStreams(): Promise<number> {
  const listener = await listen({ host: '127.0.0.1', port: 0 });
  void serve(listener);
  return (listener.address as { port: number }).port;
}

export async function respServer(impl: string): Promise<void> {
  if (impl !== 'raw' && impl !== 'streams') throw new Error(`unknown resp server ${impl}`);
  const port = impl === 'raw' ? await serveRaw() : await serveStreams();
  let done: ReturnType<typeof measure> | undefined;
  process.on('SIGUSR2', () => {
    done = measure();
  });
  process.on('SIGTERM', () => {
    done?.({ bytes: 0 });
    process.exit(0);
  });
  process.stdout.write(`PORT ${port}\n`);
}
