// A compat socket's sends: handed to the core in issue order (the core keeps that order on the
// wire and settles them in it, A12), completing at once (the `false` of sendAsync) when the OS
// took every byte, or later with the whole count (C5). Sends issued while the socket connects
// wait and start once it is connected.
import { SocketFlags } from '../enums.js';
import { SocketError } from '../socket-error.js';
import type { SocketAsyncEventArgs } from '../socket-async-event-args.js';
import { Fifo } from './fifo.js';
import type { Link } from './link.js';
import { kCapture, kFinish, kRaise, kTarget } from './symbols.js';

/** What the pump needs to know of its socket. */
export interface SendHost {
  /** The socket's connection, if it has one. */
  link(): Link | undefined;
  /** Closed: sends complete with `OperationAborted`. */
  closed(): boolean;
}

export class SendPump {
  readonly #host: SendHost;
  /** Sends handed to the core and not yet done, in order (the core settles them in order). */
  readonly #inFlight = new Fifo<SocketAsyncEventArgs>();
  /** Sends issued while connecting. */
  #beforeConnect: SocketAsyncEventArgs[] = [];
  /** The connection the latest send was handed to. */
  #issuedOn: Link | undefined;

  constructor(host: SendHost) {
    this.#host = host;
  }

  /** Sends not yet completed. */
  get size(): number {
    return this.#inFlight.size + this.#beforeConnect.length;
  }

  /** `sendAsync(e)`, after `e` was started: true when it pends, false when it completed. */
  start(e: SocketAsyncEventArgs, connecting: boolean): boolean {
    if (connecting) {
      e[kCapture]();
      this.#beforeConnect.push(e);
      return true;
    }
    return !this.trySend(e);
  }

  /** The connect ended: sends issued meanwhile start now (or fail, if it failed). */
  afterConnect(): void {
    const sends = this.#beforeConnect;
    if (sends.length === 0) return;
    this.#beforeConnect = [];
    for (const e of sends) if (this.trySend(e)) e[kRaise]();
  }

  /** The socket closed: sends still waiting for the connect complete on a later tick. */
  closed(): void {
    const sends = this.#beforeConnect;
    if (sends.length === 0) return;
    this.#beforeConnect = [];
    queueMicrotask(() => {
      for (const e of sends) {
        e[kFinish](SocketError.OperationAborted, 0);
        e[kRaise]();
      }
    });
  }

  /** Completes `e` now (true) or hands it to the core as a pending send (false). */
  private trySend(e: SocketAsyncEventArgs): boolean {
    const host = this.#host;
    if (host.closed()) {
      e[kFinish](SocketError.OperationAborted, 0);
      return true;
    }
    const link = host.link();
    if (link === undefined || link.sendShut) {
      e[kFinish](SocketError.Shutdown, 0);
      return true;
    }
    if ((e.socketFlags & ~SocketFlags.DontRoute) !== 0) {
      e[kFinish](SocketError.OperationNotSupported, 0);
      return true;
    }
    const target = e[kTarget]();
    if (target === null) {
      e[kFinish](SocketError.Success, 0);
      return true;
    }
    let r: number | Promise<number>;
    try {
      r = link.conn.trySend(target);
    } catch (err) {
      e[kFinish](link.sendFailure(err), 0);
      return true;
    }
    if (typeof r === 'number') {
      e[kFinish](SocketError.Success, r);
      return true;
    }
    this.#issuedOn = link;
    this.#inFlight.push(e);
    r.then(this.#onSent, this.#onError);
    return false;
  }

  readonly #onSent = (n: number): void => {
    const e = this.#inFlight.shift();
    if (this.#host.closed()) e[kFinish](SocketError.OperationAborted, 0);
    else e[kFinish](SocketError.Success, n);
    e[kRaise]();
  };

  readonly #onError = (err: unknown): void => {
    const e = this.#inFlight.shift();
    const closed = this.#host.closed();
    e[kFinish](
      closed ? SocketError.OperationAborted : (this.#issuedOn as Link).sendFailure(err),
      0,
    );
    e[kRaise]();
  };
}
