/**
 * `toDuplex`: a connection as a Node `Duplex`.
 *
 * @module
 */
import { Duplex } from 'node:stream';
import type { Connection } from '../core/index.js';
import { checkConnection, checkOptions, checkSize } from './internal/validate.js';

/**
 * Options of {@link toDuplex}.
 *
 * @example
 * ```ts
 * const duplex = toDuplex(conn, { readableHighWaterMark: 256 * 1024 });
 * ```
 */
export interface ToDuplexOptions {
  /**
   * Bytes the readable side buffers before it stops reading from the connection (which then
   * fills its own `receiveBufferSize` and holds the peer back).
   * @defaultValue `65536`
   */
  readableHighWaterMark?: number;
  /**
   * Bytes the writable side buffers before `write()` returns `false`.
   * @defaultValue `65536`
   */
  writableHighWaterMark?: number;
}

/**
 * `conn` as a Node `Duplex`, for `stream.pipeline()` with Node's own streams (files, zlib,
 * crypto). Both sides honour their `highWaterMark`: the readable side reads from the
 * connection only while it is below it, the writable side's callbacks complete when `send()`
 * does. `end()` is `shutdown('send')` (half-close: reading goes on); EOF from the peer ends the
 * readable side without ending ours. `destroy()` closes the connection gracefully,
 * `destroy(err)` resets it.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { createReadStream } from 'node:fs';
 *
 * await pipeline(createReadStream('big.bin'), toDuplex(conn)); // sends the file, then FIN
 * ```
 */
export function toDuplex(conn: Connection, options?: ToDuplexOptions): Duplex {
  checkConnection(conn);
  const o = checkOptions(options);
  const readableHighWaterMark = checkSize(
    o.readableHighWaterMark,
    'readableHighWaterMark',
    0,
    64 * 1024,
  );
  const writableHighWaterMark = checkSize(
    o.writableHighWaterMark,
    'writableHighWaterMark',
    0,
    64 * 1024,
  );
  let reading = false;
  const duplex: Duplex = new Duplex({
    allowHalfOpen: true,
    readableHighWaterMark,
    writableHighWaterMark,
    read() {
      if (reading) return;
      reading = true;
      const pump = (chunk: Uint8Array | null): void => {
        if (chunk === null) {
          reading = false;
          duplex.push(null);
          return;
        }
        if (duplex.push(chunk)) {
          conn.read().then(pump, fail);
        } else {
          reading = false; // Node calls read() again when it wants more
        }
      };
      const fail = (err: unknown): void => {
        reading = false;
        duplex.destroy(err as Error);
      };
      conn.read().then(pump, fail);
    },
    write(chunk: Uint8Array, _encoding, callback) {
      conn.send(chunk).then(() => callback(), callback);
    },
    writev(chunks: { chunk: Uint8Array }[], callback) {
      conn.send(chunks.map((c) => c.chunk)).then(() => callback(), callback);
    },
    final(callback) {
      conn.shutdown('send').then(() => callback(), callback);
    },
    destroy(err, callback) {
      const done = err === null ? conn.close() : conn.reset();
      done.then(
        () => callback(err),
        () => callback(err),
      );
    },
  });
  return duplex;
}
