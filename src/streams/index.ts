/**
 * `sockflow/streams`: Web Streams and Node stream adapters and message framing over a
 * `Connection`. Not built yet: this entry point exports nothing for now (see the streams
 * issue).
 *
 * @example
 * ```ts
 * import * as streams from 'sockflow/streams';
 * ```
 *
 * @module sockflow/streams
 */
export {};
