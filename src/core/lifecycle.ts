/**
 * How a connection lives and ends (invariants 7 and 8). `docs/lifecycle.md` draws this state
 * machine as a diagram.
 *
 * @module
 */

/**
 * How a connection ended.
 *
 * - `'closed'`: ended in order: by our `close()`, or by FIN both ways.
 * - `'reset'`: we reset it: `reset()`, a send aborted after hand-off, or a `close()` whose
 *   signal (or default timeout) fired before the peer finished.
 * - `'peer-reset'`: the peer reset it (`ECONNRESET`, or `EPIPE` on a write).
 * - `'idle-timeout'`: `idleTimeout` expired.
 * - `'error'`: anything else; `error` says what.
 *
 * @example
 * ```ts
 * const { reason } = await conn.closed;
 * if (reason === 'idle-timeout') metrics.idleClosed++;
 * ```
 */
export type CloseReason = 'closed' | 'reset' | 'peer-reset' | 'idle-timeout' | 'error';

/**
 * What `closed`, `close()` and `reset()` resolve with.
 *
 * @example
 * ```ts
 * const info = await conn.closed;
 * if (info.reason === 'peer-reset') console.warn('peer reset us', info.error);
 * console.log(`${info.bytesReceived} bytes in, ${info.bytesSent} out`);
 * ```
 */
export interface CloseInfo {
  /** How the connection ended. */
  reason: CloseReason;
  /** The error, for `'peer-reset'` and `'error'`. */
  error?: Error;
  /** Bytes the OS accepted from us over the connection's life. */
  bytesSent: number;
  /** Bytes received from the peer over the connection's life. */
  bytesReceived: number;
}

/**
 * The states of a connection. Sending and receiving close independently while `open`
 * (half-close both ways); `closing` is a graceful `close()` in progress; `closed` is final.
 */
export type ConnectionState = 'open' | 'closing' | 'closed';

/** The sending side: `shutting` flushes queued sends before the FIN. */
export type SendState = 'open' | 'shutting' | 'shut';

/** The receiving side: `eof` after the peer's FIN, `shut` after `shutdown('receive')`. */
export type ReceiveState = 'open' | 'eof' | 'shut';

/** Default time a `close()` without a signal waits for the peer's FIN before it resets. *
 * @example
 * ```ts
 * // Wait longer than the default for a slow peer to finish:
 * await conn.close({ signal: AbortSignal.timeout(DEFAULT_CLOSE_TIMEOUT_MS * 4) });
 * ```
 */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/** Codes that mean the peer reset the connection. */
const PEER_RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** The reason a connection that closed by itself ended with, from the socket's error. */
export function reasonOf(error: Error | undefined): CloseReason {
  if (error === undefined) return 'closed';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && PEER_RESET_CODES.has(code) ? 'peer-reset' : 'error';
}

/**
 * The state of one connection and the promise of its end. Transitions:
 *
 * - `open` → `closing`: `close()`.
 * - `open`/`closing` → `closed`: the socket closed (FIN both ways, reset by us or the peer,
 *   idle timeout, error).
 * - send `open` → `shutting` → `shut`: `shutdown('send')` (queued sends flushed, then FIN).
 * - receive `open` → `eof`: the peer's FIN; → `shut`: `shutdown('receive')`.
 */
export class Lifecycle {
  state: ConnectionState = 'open';
  send: SendState = 'open';
  receive: ReceiveState = 'open';
  /** Set when we decide how it ends before the socket reports it (reset, idle timeout). */
  decided: CloseReason | undefined;
  /** True once the user called `close()` or `reset()`: new operations get ERR_SOCKET_CLOSED. */
  userClosed = false;
  readonly closed: Promise<CloseInfo>;
  #resolve!: (info: CloseInfo) => void;

  constructor() {
    this.closed = new Promise<CloseInfo>((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** The socket closed: fixes the outcome once. */
  finish(socketError: Error | undefined, bytesSent: number, bytesReceived: number): CloseInfo {
    const reason = this.decided ?? reasonOf(socketError);
    const info: CloseInfo = { reason, bytesSent, bytesReceived };
    if (socketError !== undefined && (reason === 'peer-reset' || reason === 'error')) {
      info.error = socketError;
    }
    this.state = 'closed';
    this.#resolve(info);
    return info;
  }
}
