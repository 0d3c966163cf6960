/**
 * `SocketAsyncEventArgs`: the reusable state object of .NET's event-based socket pattern.
 *
 * Just over 500 lines because of its TSDoc: 25 members, each with .NET's contract (and its
 * conformance IDs) and an example; the code is about half of it.
 *
 * @module
 */
import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'eventemitter3';
import { checkSegment, type ArraySegmentLike } from './array-segment.js';
import type { EndPoint } from './endpoints.js';
import { SocketAsyncOperation, SocketFlags } from './enums.js';
import {
  ArgumentException,
  ArgumentNullException,
  ArgumentOutOfRangeException,
  InvalidOperationException,
  ObjectDisposedException,
} from './exceptions.js';
import {
  kCapture,
  kConnectResult,
  kFinish,
  kRaise,
  kRelease,
  kStart,
  kTarget,
} from './internal/symbols.js';
import { SocketError } from './socket-error.js';
import type { Socket } from './socket.js';
import { Messages, ObjectNames } from './internal/messages.js';

/**
 * The events of a `SocketAsyncEventArgs`: `'completed'`, with the socket and the args.
 *
 * @example
 * ```ts
 * const onCompleted = (...[socket, e]: SocketAsyncEventArgsEvents['completed']): void =>
 *   console.log(socket.connected, SocketAsyncOperation[e.lastOperation]);
 * e.on('completed', onCompleted);
 * ```
 */
export interface SocketAsyncEventArgsEvents {
  /** A pending operation finished; `sender` is the socket it ran on. */
  completed: [sender: Socket, e: SocketAsyncEventArgs];
}

/**
 * What `bufferList` takes: whole views, `ArraySegment`s or `{ array, offset, count }`.
 *
 * @example
 * ```ts
 * const items: BufferListItem[] = [header, new ArraySegment(body, 0, n), { array: tail, offset: 0, count: 4 }];
 * e.bufferList = items;
 * ```
 */
export type BufferListItem = Uint8Array | ArraySegmentLike;

const IN_PROGRESS = Messages.inProgress;
const BOTH_SET = Messages.bufferAndList;
const NOT_ARRAY = Messages.notFromArray;
const OBJECT_NAME = ObjectNames.eventArgs;

/**
 * The async context of an operation's start, where its `'completed'` handler runs: an
 * `AsyncResource`, as `AsyncLocalStorage.snapshot()` makes, but without the bound function
 * that costs `snapshot()` ~16 µs a call on Node 20.20 (2.6 µs on Node 24; a resource: ~60 ns).
 */
const CONTEXT = 'sockflow.SocketAsyncEventArgs';

/** The async context of this module's load: where handlers run when flow is suppressed. */
const EMPTY_CONTEXT = new AsyncResource(CONTEXT);

function rethrow(err: unknown): never {
  throw err;
}

/** .NET checks `(uint)value > (uint)max`, so a negative value shows as its unsigned twin. */
function checkRange(value: number, max: number, name: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ArgumentOutOfRangeException(name, undefined, value);
  }
  if (value < 0 || value > max) {
    const shown = value >>> 0;
    throw new ArgumentOutOfRangeException(
      name,
      `${name} ('${shown}') must be less than or equal to '${max}'.`,
      shown,
    );
  }
}

/**
 * The state of one socket operation, reused from operation to operation (.NET's
 * `SocketAsyncEventArgs`): the buffer to send from or receive into, the result
 * (`bytesTransferred`, `socketError`), and the `'completed'` event raised when an operation
 * that returned `true` (pending) finishes.
 *
 * One event-args object serves one operation at a time; it is released before
 * `'completed'` runs, so the handler may start the next operation with it. Handlers run on a
 * later turn of the event loop, never inside the `xxxAsync` call, in the async context
 * (`AsyncLocalStorage`) of that call unless the object was made with
 * `unsafeSuppressExecutionContextFlow`. An exception thrown by a handler is not swallowed:
 * it surfaces as an uncaught exception, as in .NET.
 *
 * @example
 * ```ts
 * const e = new SocketAsyncEventArgs();
 * e.setBuffer(new Uint8Array(4096), 0, 4096);
 * e.on('completed', (_socket, args) => onReceived(args));
 * if (!socket.receiveAsync(e)) onReceived(e); // completed at once: no 'completed' event
 * ```
 */
export class SocketAsyncEventArgs extends EventEmitter<SocketAsyncEventArgsEvents> {
  #memory: Uint8Array | null = null;
  #explicitArray = false;
  #offset = 0;
  #count = 0;
  #list: readonly BufferListItem[] | null = null;
  /** What operations read from or write into: the buffer's range, or the list's views. */
  #target: Uint8Array | Uint8Array[] | null = null;

  #bytesTransferred = 0;
  /** The result of the last operation; settable, as in .NET. */
  socketError: SocketError = SocketError.Success;
  /** Flags for the next operation; `None` again after every operation. */
  socketFlags: SocketFlags = SocketFlags.None;
  #lastOperation = SocketAsyncOperation.None;
  /** The endpoint to connect to (or, after `receiveFromAsync`, the sender). */
  remoteEndPoint: EndPoint | null = null;
  /** Anything of yours; sockets never read or write it. */
  userToken: unknown = null;
  /**
   * The socket to accept into: `null` (the accept makes one) or an unbound, unconnected
   * socket; after a successful accept, the accepted socket. Set it back to `null` before
   * reusing the object for another accept.
   */
  acceptSocket: Socket | null = null;
  #connectSocket: Socket | null = null;
  #connectByNameError: Error | null = null;
  /** For `disconnectAsync`: make the socket connectable again. */
  disconnectReuseSocket = false;

  #inUse = false;
  #disposed = false;
  #disposeRequested = false;
  #sender: Socket | undefined;
  readonly #suppressFlow: boolean;
  #context: AsyncResource | undefined;

  /**
   * @param unsafeSuppressExecutionContextFlow - when true, `'completed'` handlers do not run
   *   in the async context of the call that started the operation.
   */
  constructor(unsafeSuppressExecutionContextFlow = false) {
    super();
    this.#suppressFlow = unsafeSuppressExecutionContextFlow;
  }

  // --- the buffer ---------------------------------------------------------------------------

  /**
   * The array given to `setBuffer(buffer, offset, count)`, or `null` (no buffer, or one set
   * with `setBuffer(memory)`).
   *
   * @example
   * ```ts
   * e.setBuffer(new Uint8Array(16), 0, 16);
   * console.log(e.buffer?.length); // 16
   * ```
   */
  get buffer(): Uint8Array | null {
    return this.#explicitArray ? this.#memory : null;
  }

  /**
   * The whole buffer: the array (not just its range), or the memory given to `setBuffer(memory)`.
   *
   * @example
   * ```ts
   * const view = new Uint8Array(new ArrayBuffer(64), 16, 32);
   * e.setBuffer(view);
   * console.log(e.memoryBuffer === view, e.buffer); // true null
   * ```
   */
  get memoryBuffer(): Uint8Array | null {
    return this.#memory;
  }

  /**
   * Where the operation's range starts in the buffer. Operations never change it.
   *
   * @example
   * ```ts
   * const bytes = e.memoryBuffer!.subarray(e.offset, e.offset + e.bytesTransferred);
   * ```
   */
  get offset(): number {
    return this.#offset;
  }

  /**
   * How many bytes the operation may use. Operations never change it: after a receive of 10
   * bytes into a 1024-byte range it is still 1024 (`bytesTransferred` is 10).
   *
   * @example
   * ```ts
   * e.setBuffer(e.offset, 4096); // restore the window after an echo shrank it
   * ```
   */
  get count(): number {
    return this.#count;
  }

  /**
   * Sets the buffer and its range (`buffer` `null` clears it), the range of the current
   * array, or (one argument) a whole buffer as .NET's `SetBuffer(Memory<byte>)`.
   *
   * @throws {@link ArgumentOutOfRangeException} (`offset` is checked before `count`),
   *   {@link ArgumentException} while `bufferList` is set, {@link InvalidOperationException}
   *   while an operation is in progress (or when `setBuffer(offset, count)` follows
   *   `setBuffer(memory)`), {@link ObjectDisposedException} after `dispose()`.
   *
   * @example
   * ```ts
   * e.setBuffer(new Uint8Array(4096), 0, 4096);
   * e.setBuffer(e.offset, 4096); // restore the full range before the next receive
   * ```
   */
  setBuffer(buffer: Uint8Array | null, offset: number, count: number): void;
  /** The range of the array set before; a no-op when there is none. */
  setBuffer(offset: number, count: number): void;
  /** A whole buffer (offset 0, count its length); `null` or empty clears it. */
  setBuffer(memory: Uint8Array | null): void;
  setBuffer(a: Uint8Array | number | null, b?: number, c?: number): void {
    this.#configuring();
    if (typeof a === 'number') this.#setRange(a, b as number);
    else if (arguments.length >= 3) this.#setArray(a, b as number, c as number);
    else this.#setMemory(a);
  }

  #setArray(buffer: Uint8Array | null, offset: number, count: number): void {
    if (buffer === null || buffer === undefined) {
      this.#clearBuffer();
      return;
    }
    if (!(buffer instanceof Uint8Array)) {
      throw new ArgumentException(Messages.notBytes, 'buffer');
    }
    if (this.#list !== null) throw new ArgumentException(BOTH_SET);
    checkRange(offset, buffer.length, 'offset');
    checkRange(count, buffer.length - offset, 'count');
    this.#memory = buffer;
    this.#explicitArray = true;
    this.#offset = offset;
    this.#count = count;
    this.#target = buffer.subarray(offset, offset + count);
  }

  #setRange(offset: number, count: number): void {
    const memory = this.#memory;
    if (memory === null) return;
    checkRange(offset, memory.length, 'offset');
    checkRange(count, memory.length - offset, 'count');
    if (!this.#explicitArray) throw new InvalidOperationException(NOT_ARRAY);
    if (offset === this.#offset && count === this.#count) return; // the view stays valid
    this.#offset = offset;
    this.#count = count;
    this.#target = memory.subarray(offset, offset + count);
  }

  #setMemory(memory: Uint8Array | null): void {
    if (memory === null || memory === undefined || memory.length === 0) {
      if (memory !== null && memory !== undefined && !(memory instanceof Uint8Array)) {
        throw new ArgumentException(Messages.notBytes, 'buffer');
      }
      if (this.#list === null || memory === null || memory === undefined) this.#clearBuffer();
      return;
    }
    if (!(memory instanceof Uint8Array)) {
      throw new ArgumentException(Messages.notBytes, 'buffer');
    }
    if (this.#list !== null) throw new ArgumentException(BOTH_SET);
    this.#memory = memory;
    this.#explicitArray = false;
    this.#offset = 0;
    this.#count = memory.length;
    this.#target = memory;
  }

  #clearBuffer(): void {
    this.#memory = null;
    this.#explicitArray = false;
    this.#offset = 0;
    this.#count = 0;
    if (this.#list === null) this.#target = null;
  }

  /**
   * Several buffers for one gathered send or scattered receive, filled in order. The items
   * are checked and copied when set (changing your list later changes nothing); the getter
   * returns your list.
   *
   * @throws {@link ArgumentException} while a buffer is set; {@link ArgumentNullException} /
   *   {@link ArgumentOutOfRangeException} for a bad item; {@link InvalidOperationException}
   *   while an operation is in progress; {@link ObjectDisposedException} after `dispose()`.
   *
   * @example
   * ```ts
   * e.setBuffer(null, 0, 0);
   * e.bufferList = [header, new ArraySegment(body, 0, n)];
   * ```
   */
  get bufferList(): readonly BufferListItem[] | null {
    return this.#list;
  }

  /** Sets the list (checked and copied now), or clears it with `null`. */
  set bufferList(value: readonly BufferListItem[] | null) {
    this.#configuring();
    if (value === null || value === undefined) {
      this.#list = null;
      this.#target =
        this.#memory === null
          ? null
          : this.#memory.subarray(this.#offset, this.#offset + this.#count);
      return;
    }
    if (this.#memory !== null) throw new ArgumentException(BOTH_SET);
    if (!Array.isArray(value)) {
      throw new ArgumentException(Messages.listNotArray, 'value');
    }
    const views: Uint8Array[] = [];
    for (const item of value as readonly unknown[]) {
      if (item === null || item === undefined) throw new ArgumentNullException('segment');
      if (item instanceof Uint8Array) {
        views.push(item);
        continue;
      }
      const s = item as Partial<ArraySegmentLike>;
      const array = checkSegment(s.array, s.offset, s.count);
      views.push(array.subarray(s.offset, (s.offset as number) + (s.count as number)));
    }
    this.#list = value;
    this.#target = views;
  }

  // --- the result ---------------------------------------------------------------------------

  /**
   * Bytes sent or received by the last operation (0 at EOF, and for accept and disconnect).
   *
   * @example
   * ```ts
   * if (e.socketError === SocketError.Success && e.bytesTransferred === 0) closeClient(e); // EOF
   * ```
   */
  get bytesTransferred(): number {
    return this.#bytesTransferred;
  }

  /**
   * The operation started last; set when it starts.
   *
   * @example
   * ```ts
   * if (e.lastOperation === SocketAsyncOperation.Send) onSent(e);
   * ```
   */
  get lastOperation(): SocketAsyncOperation {
    return this.#lastOperation;
  }

  /**
   * The connected socket after a successful connect (for the static `Socket.connectAsync`, a
   * new socket you own and must close); `null` otherwise.
   *
   * @example
   * ```ts
   * if (e.socketError === SocketError.Success) use(e.connectSocket!);
   * ```
   */
  get connectSocket(): Socket | null {
    return this.#connectSocket;
  }

  /**
   * After a failed connect to a `DnsEndPoint`: a `SocketException` with the same
   * `socketErrorCode` as `socketError`; `null` otherwise.
   *
   * @example
   * ```ts
   * if (e.connectByNameError) console.error('connect by name failed:', e.connectByNameError.message);
   * ```
   */
  get connectByNameError(): Error | null {
    return this.#connectByNameError;
  }

  // --- life -----------------------------------------------------------------------------------

  /**
   * Releases the object. Idempotent. During an operation the release waits until the
   * operation completes (its `'completed'` still fires, and the handler can no longer start
   * another one with it). The getters keep working.
   *
   * @example
   * ```ts
   * pool.pop().dispose();
   * ```
   */
  dispose(): void {
    if (this.#inUse) this.#disposeRequested = true;
    else this.#disposed = true;
  }

  /**
   * `dispose()`, for `using`.
   *
   * @example
   * ```ts
   * using e = new SocketAsyncEventArgs();
   * ```
   */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * Raises `'completed'` with the socket of the operation. Subclasses may override it to
   * intercept completions (call `super.onCompleted(e)` to keep the event).
   *
   * @param e - this object.
   *
   * @example
   * ```ts
   * class Counting extends SocketAsyncEventArgs {
   *   completions = 0;
   *   protected override onCompleted(e: SocketAsyncEventArgs): void {
   *     this.completions++;
   *     super.onCompleted(e);
   *   }
   * }
   * ```
   */
  protected onCompleted(e: SocketAsyncEventArgs): void {
    this.emit('completed', this.#sender as Socket, e);
  }

  // --- the protocol with Socket (internal) --------------------------------------------------

  #configuring(): void {
    if (this.#inUse) throw new InvalidOperationException(IN_PROGRESS);
    if (this.#disposed) throw new ObjectDisposedException(OBJECT_NAME);
  }

  /** @internal Marks the object busy with `op` on `socket`. */
  [kStart](socket: Socket, op: SocketAsyncOperation): void {
    if (this.#disposed) throw new ObjectDisposedException(OBJECT_NAME);
    if (this.#inUse) throw new InvalidOperationException(IN_PROGRESS);
    this.#inUse = true;
    this.#lastOperation = op;
    this.#sender = socket;
    this.#context = undefined;
  }

  /** @internal Frees the object (a deferred dispose takes effect). */
  [kRelease](): void {
    this.#inUse = false;
    if (this.#disposeRequested) this.#disposed = true;
  }

  /** @internal Records the result and frees the object; `'completed'` is raised separately. */
  [kFinish](error: SocketError, bytes: number): void {
    this.#bytesTransferred = bytes;
    this.socketError = error;
    this.socketFlags = SocketFlags.None;
    this.#connectByNameError = null;
    this[kRelease]();
  }

  /** @internal The connect results (after kFinish). */
  [kConnectResult](socket: Socket | null, byNameError: Error | null): void {
    this.#connectSocket = socket;
    this.#connectByNameError = byNameError;
  }

  /** @internal Where the operation's bytes are: the range, the list, or null. */
  [kTarget](): Uint8Array | Uint8Array[] | null {
    return this.#target;
  }

  /**
   * @internal Remembers the caller's async context for an operation that will complete from
   * another operation's callback (queued receives).
   */
  [kCapture](): void {
    this.#context = this.#suppressFlow ? EMPTY_CONTEXT : new AsyncResource(CONTEXT);
  }

  /** @internal Raises `'completed'`; a handler's exception surfaces as uncaught. */
  [kRaise](): void {
    const run = this.#context ?? (this.#suppressFlow ? EMPTY_CONTEXT : undefined);
    this.#context = undefined;
    if (run === undefined) this.#raiseNow();
    else run.runInAsyncScope(this.#raiseNow, this);
  }

  #raiseNow(): void {
    try {
      this.onCompleted(this);
    } catch (err) {
      process.nextTick(rethrow, err);
    }
  }
}
