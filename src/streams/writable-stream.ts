/**
 * `toWritableStream`: a connection's sending side as a Web `WritableStream`.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { checkConnection } from './internal/validate.js';

/**
 * The sending side of `conn` as a `WritableStream`: `write()` is `send()` (its promise is the
 * backpressure: a write completes once its bytes are with the OS), `close()` is
 * `shutdown('send')` (FIN after the bytes written; receiving goes on), `abort()` resets the
 * connection. Chunks may be `Uint8Array`s or strings (sent as UTF-8).
 *
 * @example
 * ```ts
 * await fileStream.pipeTo(toWritableStream(conn)); // then FIN: the peer sees the end
 * ```
 */
export function toWritableStream(conn: Connection): WritableStream<Uint8Array | string> {
  checkConnection(conn);
  return new WritableStream<Uint8Array | string>({
    async write(chunk) {
      await conn.send(chunk);
    },
    close() {
      return conn.shutdown('send');
    },
    async abort() {
      await conn.reset();
    },
  });
}
