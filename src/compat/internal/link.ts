// A compat socket's connection and what .NET reports about it: `Connected`, which directions
// were shut down, and Linux's socket error, reported once.
import type { Connection } from '../../core/index.js';
import { SocketError, toSocketError } from '../socket-error.js';

/**
 * The connection a socket has (connected, or disconnected without reuse). Made when the socket
 * connects or is accepted, so its flags start fresh for every connection.
 */
export class Link {
  readonly conn: Connection;
  /**
   * .NET's `Connected`: true from the connect or accept until a shutdown, a disconnect, a
   * close, or an operation that failed because the connection broke. Not whether the peer is
   * still there (F18).
   */
  connected = true;
  /** `shutdown(Send)` (or Both, or a disconnect) was called: sends complete with `Shutdown`. */
  sendShut = false;
  /** `shutdown(Receive)` (or Both, or a disconnect): receives complete with 0 once drained. */
  receiveShut = false;
  /** The connection's failure has been reported to one operation already. */
  #failureReported = false;

  constructor(conn: Connection) {
    this.conn = conn;
  }

  /**
   * How a failed connection shows to a receive: the first operation to see the failure gets
   * its error, later receives see EOF (`Success`, 0), as Linux reports a socket's error once
   * (`SO_ERROR` is cleared by reading it). The socket is no longer `connected`.
   */
  receiveFailure(err: unknown): SocketError {
    this.connected = false;
    if (this.#failureReported) return SocketError.Success;
    this.#failureReported = true;
    return toSocketError(err);
  }

  /** As `receiveFailure`, for a send: after the first report, later sends get `Shutdown` (EPIPE). */
  sendFailure(err: unknown): SocketError {
    this.connected = false;
    if (this.#failureReported) return SocketError.Shutdown;
    this.#failureReported = true;
    return toSocketError(err);
  }
}
