// The receive side of a datagram socket: the bounded queue of datagrams nobody has taken yet,
// the receives waiting for one, and what ends them. Datagrams keep their boundaries, so unlike
// a byte stream several receives may wait at once: each datagram goes to the oldest. A
// receive that is aborted leaves the line having taken nothing (cancel safe).
import { SocketClosedError } from './errors.js';
import type { IpSocketAddress } from './address.js';
import { fail, pendingValue, takeResolve, type AnyResolve } from './internal/waiter.js';

/**
 * A datagram as it arrived: its bytes and who sent it.
 *
 * @example
 * ```ts
 * const { data, from } = await udp.receive();
 * await udp.send(data, { host: from.address, port: from.port }); // echo it
 * ```
 */
export interface Datagram {
  /** The datagram's bytes, whole (a datagram is never split or merged). */
  data: Uint8Array;
  /** The sender's address. */
  from: IpSocketAddress;
}

/**
 * What `receive(into)` resolves with.
 *
 * @example
 * ```ts
 * const buf = new Uint8Array(1500);
 * const { bytes, from, truncated } = await udp.receive(buf);
 * if (!truncated) console.log(from.address, buf.subarray(0, bytes));
 * ```
 */
export interface DatagramReceived {
  /** Bytes copied into the buffer. */
  bytes: number;
  /** The sender's address. */
  from: IpSocketAddress;
  /** True when the datagram was longer than the buffer: its tail was discarded. */
  truncated: boolean;
}

const TAKE = 0;
const INTO = 1;
const STEP = 2;

/** A receive waiting for a datagram. */
interface Waiter {
  kind: typeof TAKE | typeof INTO | typeof STEP;
  into: Uint8Array | undefined;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The bounded queue and the waiting receives of one datagram socket. */
export class DatagramQueue {
  readonly limit: number;
  /** Datagrams dropped because `limit` were queued already. */
  dropped = 0;
  #data: Uint8Array[] = [];
  #from: IpSocketAddress[] = [];
  #head = 0;
  #waiters: Waiter[] = [];
  /**
   * The usual case, kept out of `#waiters` and without a closure (internal/waiter.ts): one
   * receive waits, without a signal. Its resolve function (a failure resolves it with a
   * rejected promise), kind and buffer. Set only when no other receive waits, so it is always
   * the oldest.
   */
  #oneResolve: AnyResolve | undefined;
  #oneKind: Waiter['kind'] = TAKE;
  #oneInto: Uint8Array | undefined;
  /** An error the OS reported (ICMP port unreachable): the next operation gets it, once. */
  #pendingError: Error | undefined;
  /** Set once the socket is closed: what receives reject with. */
  #closed: SocketClosedError | undefined;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Datagrams queued now. */
  get length(): number {
    return this.#data.length - this.#head;
  }

  /** A datagram arrived: to the oldest waiting receive, else the queue, else dropped. */
  onDatagram(data: Uint8Array, from: IpSocketAddress): void {
    const kind = this.#oneKind;
    const into = this.#oneInto;
    const one = this.#takeOne();
    if (one !== undefined) {
      (one as (v: unknown) => void)(result(kind, into, data, from));
      return;
    }
    const w = this.#waiters.shift();
    if (w !== undefined) {
      this.deliver(w, data, from);
      return;
    }
    if (this.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.#data.push(data);
    this.#from.push(from);
  }

  /** The OS reported an error: the oldest waiting receive rejects with it, or the next operation. */
  onError(error: Error): void {
    const one = this.#takeOne();
    if (one !== undefined) {
      fail(one, error);
      return;
    }
    const w = this.#waiters.shift();
    if (w !== undefined) this.settle(w).reject(error);
    else this.#pendingError = error;
  }

  /** Takes the error an operation must report first, if there is one. */
  takePendingError(): Error | undefined {
    const e = this.#pendingError;
    this.#pendingError = undefined;
    return e;
  }

  /** The socket was closed: waiting receives reject, waiting steps end; so do later ones. */
  close(error: SocketClosedError): void {
    this.#closed ??= error;
    this.#data = [];
    this.#from = [];
    this.#head = 0;
    const kind = this.#oneKind;
    const one = this.#takeOne();
    if (one !== undefined) {
      if (kind === STEP) (one as (v: unknown) => void)({ done: true, value: undefined });
      else fail(one, error);
    }
    for (const w of this.#waiters.splice(0)) {
      if (w.kind === STEP) this.settle(w).resolve({ done: true, value: undefined } as never);
      else this.settle(w).reject(error);
    }
  }

  /**
   * The next queued datagram, taken now (copied into `into` when given), or `undefined` when
   * none is queued; throws what a receive would reject with at once.
   */
  tryTake(into: Uint8Array | undefined): Datagram | DatagramReceived | undefined {
    if (this.#closed !== undefined) throw this.#closed;
    const error = this.takePendingError();
    if (error !== undefined) throw error;
    if (this.length === 0) return undefined;
    const data = this.#data[this.#head] as Uint8Array;
    const from = this.#from[this.#head] as IpSocketAddress;
    this.shift();
    return result(into === undefined ? TAKE : INTO, into, data, from) as
      Datagram | DatagramReceived;
  }

  receive(signal: AbortSignal | undefined): Promise<Datagram> {
    return this.wait(TAKE, undefined, signal) as Promise<Datagram>;
  }

  receiveInto(into: Uint8Array, signal: AbortSignal | undefined): Promise<DatagramReceived> {
    return this.wait(INTO, into, signal) as Promise<DatagramReceived>;
  }

  next(signal: AbortSignal | undefined): Promise<IteratorResult<Datagram, undefined>> {
    return this.wait(STEP, undefined, signal) as Promise<IteratorResult<Datagram, undefined>>;
  }

  private wait(
    kind: Waiter['kind'],
    into: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed !== undefined) {
      return kind === STEP
        ? Promise.resolve({ done: true, value: undefined })
        : Promise.reject(this.#closed);
    }
    const error = this.takePendingError();
    if (error !== undefined) return Promise.reject(error);
    if (this.length > 0) {
      const data = this.#data[this.#head] as Uint8Array;
      const from = this.#from[this.#head] as IpSocketAddress;
      this.shift();
      return Promise.resolve(result(kind, into, data, from));
    }
    if (signal === undefined && this.#oneResolve === undefined && this.#waiters.length === 0) {
      const p = pendingValue<unknown>();
      this.#oneResolve = takeResolve();
      this.#oneKind = kind;
      this.#oneInto = into;
      return p;
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { kind, into, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        // Aborted while it waits: it leaves the line, having taken nothing.
        w.onAbort = () => {
          const i = this.#waiters.indexOf(w);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.#waiters.push(w);
    });
  }

  /** Takes the sole waiter's resolve function, if one waits so. */
  #takeOne(): AnyResolve | undefined {
    const one = this.#oneResolve;
    if (one !== undefined) {
      this.#oneResolve = undefined;
      this.#oneInto = undefined;
    }
    return one;
  }

  private shift(): void {
    this.#data[this.#head] = EMPTY;
    this.#from[this.#head] = NOBODY;
    this.#head++;
    if (this.#head === this.#data.length) {
      this.#data.length = 0;
      this.#from.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#data.length) {
      this.#data = this.#data.slice(this.#head);
      this.#from = this.#from.slice(this.#head);
      this.#head = 0;
    }
  }

  private deliver(w: Waiter, data: Uint8Array, from: IpSocketAddress): void {
    this.settle(w).resolve(result(w.kind, w.into, data, from) as never);
  }

  /** Removes `w`'s abort listener; returns it to be settled. */
  private settle(w: Waiter): Waiter {
    if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
    return w;
  }
}

const EMPTY = new Uint8Array(0);
const NOBODY: IpSocketAddress = Object.freeze({ address: '', port: 0, family: 'IPv4' as const });

function result(
  kind: Waiter['kind'],
  into: Uint8Array | undefined,
  data: Uint8Array,
  from: IpSocketAddress,
): Datagram | DatagramReceived | IteratorResult<Datagram, undefined> {
  if (kind === INTO) {
    const buf = into as Uint8Array;
    const bytes = Math.min(buf.length, data.length);
    buf.set(bytes === data.length ? data : data.subarray(0, bytes));
    return { bytes, from, truncated: bytes < data.length };
  }
  const datagram: Datagram = { data, from };
  return kind === TAKE ? datagram : { done: false, value: datagram };
}
