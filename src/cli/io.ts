// What a command reads and writes: standard input, output and error, injected so that tests
// run the commands in-process, and a connection piped to and from them.
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Connection } from '../core/index.js';

/** A command's standard streams. */
export interface Stdio {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/**
 * Copies `input` into the connection with backpressure (each `send()` awaited), then
 * half-closes it (`shutdown('send')`, as `nc -N` does at the end of its input).
 */
export async function sendAll(input: Readable, conn: Connection): Promise<void> {
  for await (const chunk of input) await conn.send(chunk as Uint8Array);
  await conn.shutdown('send');
}

/** Copies what the connection receives to `output`, until the peer ends, with backpressure. */
export async function receiveAll(conn: Connection, output: Writable): Promise<void> {
  for await (const chunk of conn) {
    if (!output.write(chunk)) await once(output, 'drain');
  }
}
