/**
 * How a connection lives and ends (invariants 7 and 8). `docs/lifecycle.md` draws this state
 * machine as a diagram.
 *
 * @module
 */
import { formatAddress, type SocketAddress } from './address.js';
import { closeChannel } from './internal/diagnostics.js';
import {
  IdleTimeoutError,
  SocketClosedError,
  SocketShutdownError,
  TlsTruncatedError,
} from './errors.js';
import type { ReceiveBuffer } from './receive-buffer.js';
import { Sender, type SendLimits, type SenderOwner } from './sender.js';
import type { Transport, TransportEvents } from './transport.js';

/**
 * How a connection ended.
 *
 * - `'closed'`: ended in order: by our `close()`, or by FIN both ways.
 * - `'reset'`: we reset it: `reset()`, a send aborted after hand-off, or a `close()` whose
 *   signal (or default timeout) fired before the peer finished.
 * - `'peer-reset'`: the peer reset it (`ECONNRESET`, or `EPIPE` on a write).
 * - `'idle-timeout'`: `idleTimeout` expired.
 * - `'error'`: anything else; `error` says what.
 * - `'upgraded'`: handed to `startTls()`; the secure connection it resolved with carries on
 *   (the counts are the plaintext part's).
 *
 * @example
 * ```ts
 * const { reason } = await conn.closed;
 * if (reason === 'idle-timeout') metrics.idleClosed++;
 * ```
 */
export type CloseReason = 'closed' | 'reset' | 'peer-reset' | 'idle-timeout' | 'error' | 'upgraded';

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

/** A connection's closing state, made on need (idle connections have none). */
interface Ending {
  /** The promise of `closed`, made when first asked for (or resolved at once after the end). */
  closed: Promise<CloseInfo> | undefined;
  resolveClosed: ((info: CloseInfo) => void) | undefined;
  /** `shutdown('send')`'s promise: every call gets the first one. */
  shutdown: Promise<void> | undefined;
  /** A graceful `close()` waiting for the peer: its timer or its signal. */
  wait: CloseWait | undefined;
  /** A TLS peer ended its stream without close_notify: how the connection will have ended. */
  truncation: TlsTruncatedError | undefined;
}

/** A graceful close in progress: the default timer, or the caller's signal, and its listener. */
interface CloseWait {
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

// The packed states of a Lifecycle: each value's index in its table.
const STATES: readonly ConnectionState[] = ['open', 'closing', 'closed'];
const SEND_STATES: readonly SendState[] = ['open', 'shutting', 'shut'];
const RECEIVE_STATES: readonly ReceiveState[] = ['open', 'eof', 'shut'];
const USER_CLOSED = 1 << 6;
const DECIDED: readonly (CloseReason | undefined)[] = [
  undefined,
  'closed',
  'reset',
  'peer-reset',
  'idle-timeout',
  'error',
  'upgraded',
];

/**
 * Makes an error that a transition stores for operations that may come later (or never):
 * without a stack trace, which would point at the transition, not at the operation, and costs
 * tens of microseconds per connection that ends (two or three errors each).
 */
function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function noop(): void {}

/** Codes that mean the peer reset the connection. */
const PEER_RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** The reason a connection that closed by itself ended with, from the socket's error. */
export function reasonOf(error: Error | undefined): CloseReason {
  if (error === undefined) return 'closed';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && PEER_RESET_CODES.has(code) ? 'peer-reset' : 'error';
}

/**
 * The state machine of one connection: its states, its transitions (shutdown, close, reset,
 * idle timeout, the socket closing) and the promise of its end. It listens to the transport
 * itself, so a connection costs one object here and no closures. It holds the connection's
 * receive buffer and sender and tells them what a transition means for them; the bytes are
 * theirs.
 *
 * - `open` → `closing`: `close()`.
 * - `open`/`closing` → `closed`: the socket closed (FIN both ways, reset by us or the peer,
 *   idle timeout, error).
 * - send `open` → `shutting` → `shut`: `shutdown('send')` (queued sends flushed, then FIN).
 * - receive `open` → `eof`: the peer's FIN; → `shut`: `shutdown('receive')`.
 */
export class Lifecycle implements TransportEvents, SenderOwner {
  /**
   * `state`, `send`, `receive`, `userClosed` and the decided close reason, packed into one
   * number: an idle server holds this object per connection, 10,000 times over.
   */
  #bits = 0;

  get state(): ConnectionState {
    return STATES[this.#bits & 3] as ConnectionState;
  }
  set state(v: ConnectionState) {
    this.#bits = (this.#bits & ~3) | STATES.indexOf(v);
  }

  get send(): SendState {
    return SEND_STATES[(this.#bits >> 2) & 3] as SendState;
  }
  set send(v: SendState) {
    this.#bits = (this.#bits & ~(3 << 2)) | (SEND_STATES.indexOf(v) << 2);
  }

  get receive(): ReceiveState {
    return RECEIVE_STATES[(this.#bits >> 4) & 3] as ReceiveState;
  }
  set receive(v: ReceiveState) {
    this.#bits = (this.#bits & ~(3 << 4)) | (RECEIVE_STATES.indexOf(v) << 4);
  }

  /** True once the user called `close()` or `reset()`: new operations get ERR_SOCKET_CLOSED. */
  get userClosed(): boolean {
    return (this.#bits & USER_CLOSED) !== 0;
  }
  set userClosed(v: boolean) {
    this.#bits = v ? this.#bits | USER_CLOSED : this.#bits & ~USER_CLOSED;
  }

  /** Set when we decide how it ends before the socket reports it (reset, idle timeout). */
  private get decided(): CloseReason | undefined {
    return DECIDED[(this.#bits >> 7) & 7];
  }
  private set decided(v: CloseReason | undefined) {
    this.#bits = (this.#bits & ~(7 << 7)) | (DECIDED.indexOf(v) << 7);
  }

  /** The peer's address (or the Unix socket's path): the connection's name in messages. */
  readonly where: SocketAddress;
  readonly receiver: ReceiveBuffer;
  readonly sender: Sender;
  /** What closing needs: made by the first `closed`, `shutdown()` or `close()`. */
  #ending: Ending | undefined;

  private ending(): Ending {
    return (this.#ending ??= {
      closed: undefined,
      resolveClosed: undefined,
      shutdown: undefined,
      wait: undefined,
      truncation: undefined,
    });
  }

  /**
   * @param where - the address that names the connection in messages: the peer's, or the
   *   Unix socket's path.
   */
  constructor(
    transport: Transport,
    receiver: ReceiveBuffer,
    where: SocketAddress,
    limits: SendLimits,
  ) {
    this.receiver = receiver;
    this.sender = new Sender(limits);
    this.where = where;
    receiver.transport = transport;
  }

  /** The socket's transport, held by the receive buffer (one reference per connection). */
  get transport(): Transport {
    return this.receiver.transport as Transport;
  }

  /**
   * Throws what a send started now would fail with at once: the user closed the connection,
   * sending was shut down, or the connection is gone.
   */
  checkSendable(): void {
    if (this.userClosed) throw this.closedErrorFor('send on');
    if (this.send !== 'open') {
      throw new SocketShutdownError(`Cannot send on "${this.label}": sending was shut down`);
    }
    this.sender.checkUsable();
    if (this.transport.destroyed) {
      // Destroyed a moment ago ('close' is still to come): do not write into it.
      throw this.transport.error ?? this.closedErrorFor('send on');
    }
  }

  /** Received bytes wait unread (SenderOwner: a small send is then gathered). */
  get moreInput(): boolean {
    return this.receiver.buffered > 0;
  }

  /** The connection in messages: `127.0.0.1:7000`, `[::1]:7000` or the socket path. */
  get label(): string {
    return formatAddress(this.where);
  }

  /** How the connection ended, once it has: resolves once, never rejects. */
  get closed(): Promise<CloseInfo> {
    // Once closed, onClose() has set `closed`: only an open connection gets here with none.
    const e = this.ending();
    e.closed ??= new Promise<CloseInfo>((resolve) => {
      e.resolveClosed = resolve;
    });
    return e.closed;
  }

  // --- transitions asked for by the user ----------------------------------------------------

  shutdownReceive(): void {
    if (this.receive === 'shut') return;
    this.receive = 'shut';
    this.receiver.shutdown();
    this.transport.roomChanged();
  }

  shutdownSend(): Promise<void> {
    const e = this.ending();
    if (e.shutdown !== undefined) return e.shutdown;
    if (this.send === 'shut' || this.state === 'closed') {
      return (e.shutdown = Promise.resolve());
    }
    this.send = 'shutting';
    // Nothing left to flush (the common case: a closing connection whose sends are done): FIN
    // now, without a promise for the flush and one for each step after it.
    e.shutdown = this.sender.idle
      ? this.sendFin()
      : this.sender.flush(undefined, false).then(
          () => this.sendFin(),
          (err: unknown) => {
            this.send = 'shut';
            throw err;
          },
        );
    return e.shutdown;
  }

  /** Sends FIN once the socket's queued writes are out; sending is `shut` either way. */
  private sendFin(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.transport.end((err) => {
        this.send = 'shut';
        if (err === undefined) resolve();
        else reject(err);
      });
    });
  }

  /** Graceful close; see `Connection.close()`. */
  close(signal: AbortSignal | undefined): Promise<CloseInfo> {
    const first = !this.userClosed;
    this.userClosed = true;
    if (!first || this.state !== 'open') return this.closed;
    this.state = 'closing';
    this.receiver.close(withoutStack(() => this.closedErrorFor('receive on')));
    this.transport.roomChanged();
    if (signal?.aborted) {
      this.resetNow();
      return this.closed;
    }
    const onAbort = (): void => {
      if (this.state !== 'closed') this.resetNow();
    };
    if (signal !== undefined) {
      this.ending().wait = { timer: undefined, signal, onAbort };
      signal.addEventListener('abort', onAbort, { once: true });
    } else {
      const timer = setTimeout(onAbort, DEFAULT_CLOSE_TIMEOUT_MS);
      timer.unref();
      this.ending().wait = { timer, signal: undefined, onAbort };
    }
    // A send failed while flushing: the socket is failing and reports it through `closed`.
    this.shutdownSend().catch(noop);
    return this.closed;
  }

  /** Abrupt end; see `Connection.reset()`. */
  reset(): Promise<CloseInfo> {
    this.userClosed = true;
    if (this.state !== 'closed') this.resetNow();
    return this.closed;
  }

  private resetNow(): void {
    this.decided ??= 'reset';
    const err = withoutStack(
      () => new SocketClosedError(`Cannot complete on "${this.label}": connection was reset`),
    );
    this.receiver.close(err);
    this.sender.fail(err, this);
    this.transport.reset();
  }

  /**
   * Hands the connection over to a TLS upgrade: takes the unread bytes, stops listening to the
   * socket (which stays open: the TLS layer takes it over), and ends this connection with
   * `'upgraded'`; every later operation rejects with `ERR_SOCKET_CLOSED`. The caller checked
   * that nothing is pending.
   */
  upgrade(): Uint8Array[] {
    const unread = this.receiver.takeAll();
    this.userClosed = true;
    this.decided = 'upgraded';
    const err = withoutStack(() => this.closedErrorFor('complete on'));
    this.receiver.close(err);
    this.sender.fail(err, this);
    this.transport.detach();
    this.settleClosed({
      reason: 'upgraded',
      bytesSent: this.sender.bytesSent,
      bytesReceived: this.receiver.bytesReceived,
    });
    return unread;
  }

  /** A send's signal fired after hand-off (SenderOwner). */
  resetForAbortedSend(): void {
    this.userClosed = true;
    if (this.state !== 'closed') this.resetNow();
  }

  // --- events from the transport (TransportEvents) ------------------------------------------

  onEnd(truncated: boolean): void {
    if (this.receive === 'open') this.receive = 'eof';
    if (!truncated) {
      this.receiver.end();
      return;
    }
    // Not a clean end: every byte that arrived is delivered, then receives reject.
    const err = new TlsTruncatedError(
      `The TLS stream from "${this.label}" was cut short: FIN without close_notify`,
    );
    this.ending().truncation = err;
    this.receiver.fail(err);
  }

  onError(error: Error): void {
    // Settle before libuv's cancelled writes report success (see TransportEvents.onError).
    this.receiver.fail(error);
    this.sender.fail(error, this);
  }

  onIdle(): void {
    if (this.state !== 'open') return;
    this.decided = 'idle-timeout';
    const err = new IdleTimeoutError(
      `Connection "${this.label}" ended: no traffic for ${this.transport.socket.timeout ?? 0} ms`,
    );
    this.receiver.fail(err);
    this.sender.fail(err, this);
    this.transport.destroy();
  }

  onClose(error: Error | undefined): void {
    const wait = this.#ending?.wait;
    if (wait !== undefined) {
      this.ending().wait = undefined;
      if (wait.timer !== undefined) clearTimeout(wait.timer);
      wait.signal?.removeEventListener('abort', wait.onAbort);
    }
    const failure =
      error ??
      (this.userClosed ? withoutStack(() => this.closedErrorFor('complete on')) : undefined);
    if (failure !== undefined) {
      this.receiver.fail(failure);
      this.sender.fail(failure, this);
    } else {
      this.receiver.end();
      const ended = `Cannot send on "${this.label}": the connection has ended`;
      this.sender.fail(
        withoutStack(() => new SocketShutdownError(ended)),
        this,
      );
    }
    const cause = error ?? this.#ending?.truncation;
    const reason = this.decided ?? reasonOf(cause);
    const info: CloseInfo = {
      reason,
      bytesSent: this.sender.bytesSent,
      bytesReceived: this.receiver.bytesReceived,
    };
    if (cause !== undefined && (reason === 'peer-reset' || reason === 'error')) info.error = cause;
    this.settleClosed(info);
  }

  /** The connection has ended: `closed` resolves with `info`, now or when first asked for. */
  private settleClosed(info: CloseInfo): void {
    this.state = 'closed';
    if (closeChannel.hasSubscribers) closeChannel.publish({ remoteAddress: this.where, ...info });
    const e = this.ending();
    if (e.resolveClosed !== undefined) e.resolveClosed(info);
    else e.closed = Promise.resolve(info);
  }

  /** The error for operations on a connection the user closed. */
  closedErrorFor(what: string): SocketClosedError {
    if (this.decided === 'upgraded') {
      return new SocketClosedError(
        `Cannot ${what} "${this.label}": the connection was upgraded to TLS; ` +
          'use the connection startTls() resolved with',
      );
    }
    return new SocketClosedError(`Cannot ${what} "${this.label}": connection is closed`);
  }

  closedError(what: string): Promise<never> {
    return Promise.reject(this.closedErrorFor(what));
  }
}
