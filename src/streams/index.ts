/**
 * `sockflow/streams`: a `Connection` as Web Streams and as a Node `Duplex`, and lossless,
 * cancel-safe message framing over it: exactly-N bytes, read-until a delimiter, text lines,
 * length-prefixed messages. See `docs/streams.md`.
 *
 * @example
 * ```ts
 * import { lines } from 'sockflow/streams';
 *
 * for await (const line of lines(conn, { maxLineLength: 4096 })) console.log(line);
 * ```
 *
 * @module sockflow/streams
 */
export { toReadableStream } from './readable-stream.js';
export { toWritableStream } from './writable-stream.js';
export { toDuplex, type ToDuplexOptions } from './duplex.js';
export type { SocketDuplex, SocketLike } from './socket-like.js';
export { readExactly, type ReadExactlyOptions } from './read-exactly.js';
export { readUntil, type ReadUntilOptions, DEFAULT_MAX_FRAME_BYTES } from './read-until.js';
export { tryReadExactly, tryReadUntil, type TryReadUntilOptions } from './try-read.js';
export { lines, type LinesOptions } from './lines.js';
export { lineBatches, type LineBatchesOptions } from './line-batches.js';
export {
  messages,
  sendMessage,
  type MessageHeader,
  type MessagesOptions,
  type SendMessageOptions,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './messages.js';
export {
  messageBatches,
  type MessageBatchesOptions,
  DEFAULT_MAX_BATCH,
} from './message-batches.js';
export {
  FrameTimeoutError,
  FrameTooLargeError,
  FrameTruncatedError,
  InvalidFrameError,
} from './errors.js';
