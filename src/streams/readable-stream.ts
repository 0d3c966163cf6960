/**
 * `toReadableStream`: a connection's receiving side as a Web `ReadableStream`.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { checkConnection } from './internal/validate.js';

/**
 * The receiving side of `conn` as a byte `ReadableStream` (`type: 'bytes'`).
 *
 * - A BYOB reader (`getReader({ mode: 'byob' })`) reads straight into your buffer through
 *   `receive()`: the kernel's bytes are copied once, into it.
 * - A default reader gets the chunks as they arrived. A chunk that fills its own
 *   `ArrayBuffer` (bulk reads) is handed over without a copy (the stream transfers the
 *   buffer); smaller ones are copied, because the stream would otherwise detach memory other
 *   views share.
 * - Nothing is read ahead: the stream pulls only while a read is pending, so the connection's
 *   `receiveBufferSize` stays the only buffer and a slow reader holds the peer back.
 * - EOF closes the stream; our sending side stays open (half-close stays possible).
 *   `cancel()` shuts down receiving (`shutdown('receive')`). An error of the connection
 *   errors the stream. Releasing the reader or leaving a `for await` closes nothing.
 *
 * @example
 * ```ts
 * const reader = toReadableStream(conn).getReader({ mode: 'byob' });
 * let buf = new Uint8Array(64 * 1024);
 * for (;;) {
 *   const { value, done } = await reader.read(buf);
 *   if (done) break;
 *   hash.update(value);
 *   buf = new Uint8Array(value.buffer); // the same memory, given back to us
 * }
 * ```
 */
export function toReadableStream(conn: Connection): ReadableStream<Uint8Array> {
  checkConnection(conn);
  let ended = false; // EOF or cancel: the stream is closed, pulls that finish late are ignored
  return new ReadableStream(
    {
      type: 'bytes',
      async pull(controller) {
        const request = controller.byobRequest;
        if (request !== null && request.view !== null) {
          const view = request.view;
          const n = await conn.receive(
            new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
          );
          if (ended) return;
          if (n === 0) {
            ended = true;
            controller.close();
            request.respond(0);
          } else {
            request.respond(n);
          }
          return;
        }
        const chunk = await conn.read();
        if (ended) {
          if (chunk !== null) conn.unshift(chunk); // read before the cancel: not ours to drop
          return;
        }
        if (chunk === null) {
          ended = true;
          controller.close();
          return;
        }
        controller.enqueue(
          chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
            ? chunk
            : new Uint8Array(chunk), // a copy (Buffer#slice would be a view)
        );
      },
      cancel() {
        if (ended) return;
        ended = true;
        return conn.shutdown('receive').catch(() => {
          // Closed meanwhile: nothing left to shut down.
        });
      },
    },
    { highWaterMark: 0 },
  );
}
