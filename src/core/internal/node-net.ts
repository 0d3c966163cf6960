// Every private surface of node:net that sockflow touches, one function per capability.
//
// Each capability is probed on the object at hand (by the runtime's name only where no probe
// without I/O can tell: onreadStallsTlsUpgrade(), Deno) and falls back
// to node:net's public API where the probe fails: Bun and Deno implement node:net with other
// internals (node-notes §17), and a Node release may change these. Each
// has a test in test/node-net.test.ts that fails loudly when Node stops providing it, so an
// upgrade cannot quietly degrade sockflow (say, turn `SendAbortedError.bytesWritten` into a
// guess). Checked on Node 20.20, 22.23, 24.21 and 26.10; the fallbacks on Bun 1.4.5 and
// Deno 2.9.6.
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';

/**
 * Test hook: every capability takes its public-API fallback, as on a runtime that has none of
 * these surfaces (test/fallback.test.ts runs the core that way).
 */
export const publicApiOnly = { on: false };

/** `onread`: read into buffers of our choosing, no Buffer allocated per read. */
export interface OnRead {
  /** The buffer the next read lands in; node:net asks right after each callback. */
  buffer: () => Buffer;
  /** `n` bytes arrived at `buf[0..n)`; return `false` to stop reading. */
  callback: (this: net.Socket, n: number, buf: Buffer) => boolean;
}

type Handle = {
  constructor: { name: string };
  onconnection?: unknown;
  bytesWritten?: unknown;
  writeQueueSize?: unknown;
  getpeername?: (out: object) => number;
  getsockname?: (out: object) => number;
  close?: (cb?: () => void) => void;
  /** A TLS socket's handle (`TLSWrap`): the TCP or Pipe handle under it. */
  _parent?: Handle | null;
  reset?: (cb: () => void) => number;
};

/**
 * `new net.Socket(options)` with `onread` (and `handle`), which the constructor takes though
 * @types/node lists `onread` only among the connect options.
 */
function newSocket(options: object): net.Socket {
  return new net.Socket(options);
}

function handleOf(o: net.Socket | net.Server): Handle | null | undefined {
  if (publicApiOnly.on) return undefined;
  return (o as unknown as { _handle?: Handle | null })._handle;
}

// --- reading a client socket through onread --------------------------------------------------

let clientOnread: boolean | undefined;

/**
 * Whether a client socket reading through `onread` cannot be upgraded to TLS (STARTTLS): the
 * one capability decided by the runtime's name, because no probe without I/O can see it. Deno
 * 2.9 takes `onread`, but such a socket keeps a read pending in Deno's own stream code that
 * `pause()` does not cancel, and Deno's TLS upgrade (`Deno.startTls` on the connection) waits
 * for it: the ClientHello never goes out and `startTls()` never completes. Read with `'data'`
 * there, the socket upgrades. (A socket read through `'data'` costs an allocation per read;
 * Deno's clients pay that for STARTTLS to work.)
 *
 * Checked on: Deno 2.9.6 (stalls: `'data'` mode); Node 20-26 (the TLS layer takes over the
 * libuv handle itself, `onread` is fine); Bun 1.4 (no `onread`).
 */
function onreadStallsTlsUpgrade(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno === 'object';
}

/**
 * Whether `new net.Socket({ onread })` takes `onread`. node:net keeps the callback on the
 * socket (under its `kBufferCb` symbol) and reads into the buffers it gives; Bun ignores the
 * option. Probed once, on a socket with no handle (no I/O).
 */
export function supportsClientOnread(): boolean {
  if (publicApiOnly.on || onreadStallsTlsUpgrade()) return false;
  if (clientOnread === undefined) {
    const callback = (): boolean => true;
    const s = newSocket({ onread: { buffer: Buffer.alloc(1), callback } });
    clientOnread = Object.getOwnPropertySymbols(s).some(
      (k) => (s as unknown as Record<symbol, unknown>)[k] === callback,
    );
    s.destroy();
  }
  return clientOnread;
}

/**
 * A client socket (not yet connecting) that reads through `onread` when the runtime supports
 * it, or `undefined` (read it with `'data'`). The callback is called as given: a runtime may
 * call it without the socket as `this` (Deno does), so the caller passes a function that does
 * not need one.
 *
 * Checked on: Node 20-26 (onread); Bun 1.4 (undefined: the fallback); Deno 2.9 takes
 * `onread` (calling the callback without `this`) but gets the fallback too, for STARTTLS
 * (see `onreadStallsTlsUpgrade()`).
 */
export function clientSocketWithOnread(
  buffer: () => Buffer,
  callback: (n: number, buf: Buffer) => boolean,
): net.Socket | undefined {
  if (!supportsClientOnread()) return undefined;
  return newSocket({ allowHalfOpen: true, onread: { buffer, callback } });
}

/**
 * A TLS client socket, connecting: `tls.connect()` with `onread` where the runtime takes it,
 * so decrypted bytes land in buffers of our choosing as on plain sockets (`onread` is the
 * only way in: `new tls.TLSSocket()` ignores it when given a socket). `onread` is `false`
 * when the socket must be read with `'data'`. `options` is the caller's own fresh object:
 * `allowHalfOpen` and `onread` are set on it (no copy per connection).
 *
 * Checked on: Node 20-26 (onread).
 */
export function tlsClientWithOnread(
  options: tls.ConnectionOptions,
  buffer: () => Buffer,
  callback: (n: number, buf: Buffer) => boolean,
): { socket: tls.TLSSocket; onread: boolean } {
  const onread = supportsClientOnread();
  // allowHalfOpen is taken by tls.connect() though @types/node leaves it out.
  const all = options as tls.ConnectionOptions & { allowHalfOpen: boolean; onread?: object };
  all.allowHalfOpen = true;
  if (onread) all.onread = { buffer, callback };
  const socket = tls.connect(all);
  return { socket, onread };
}

/** node:net's private keys of a socket's `onread`: its buffer, generator and callback. */
interface OnreadKeys {
  buffer: symbol;
  generator: symbol;
  callback: symbol;
}
let onreadKeys: OnreadKeys | null | undefined;

/**
 * Finds the keys node:net keeps a socket's `onread` under, on two sockets without a handle
 * (no I/O): the one holding a given callback, generator or buffer. `null` when not found.
 */
function findOnreadKeys(): OnreadKeys | null {
  const generator = (): Buffer => Buffer.alloc(1);
  const callback = (): boolean => true;
  const buffer = Buffer.alloc(1);
  const a = newSocket({ onread: { buffer: generator, callback } });
  const b = newSocket({ onread: { buffer, callback } });
  const keyOf = (s: net.Socket, v: unknown): symbol | undefined =>
    Object.getOwnPropertySymbols(s).find((k) => (s as unknown as Record<symbol, unknown>)[k] === v);
  const keys = {
    buffer: keyOf(b, buffer),
    generator: keyOf(a, generator),
    callback: keyOf(a, callback),
  };
  a.destroy();
  b.destroy();
  return keys.buffer !== undefined && keys.generator !== undefined && keys.callback !== undefined
    ? (keys as OnreadKeys)
    : null;
}

/**
 * Makes a socket node:net already built read through `onread` from now on, as if it had been
 * built with it: a server-side or upgraded TLS socket, which node:tls builds without one
 * (`new tls.TLSSocket(socket)` ignores `onread`). node:net keeps `onread` under private keys,
 * found by `findOnreadKeys`, and tells the handle to read into the first buffer
 * (`useUserBuffer`), as the constructor does. The generator is called once now, then as for a
 * socket built with `onread`. Returns false, changing nothing, where a surface is missing, or
 * when the socket has bytes buffered in its readable side already (those come through
 * `'data'`): then read it with `'data'`.
 *
 * Checked on: Node 20-26 (TLS sockets from `tls.Server` and `tls.connect({ socket })`).
 */
export function readThroughOnread(socket: net.Socket, onread: OnRead): boolean {
  if (publicApiOnly.on || socket.readableLength > 0) return false;
  const h = handleOf(socket) as (Handle & { useUserBuffer?: unknown }) | null | undefined;
  if (h == null || typeof h.useUserBuffer !== 'function') return false;
  if (onreadKeys === undefined) onreadKeys = findOnreadKeys();
  if (onreadKeys === null) return false;
  const s = socket as unknown as Record<symbol, unknown>;
  if (s[onreadKeys.buffer] !== null || s[onreadKeys.callback] !== null) return false;
  const first = onread.buffer();
  s[onreadKeys.generator] = onread.buffer;
  s[onreadKeys.callback] = onread.callback;
  s[onreadKeys.buffer] = first;
  (h.useUserBuffer as (this: Handle, buf: Buffer) => void).call(h, first);
  return true;
}

// --- accepting handles -------------------------------------------------------------------------

/** A connection libuv accepted, not yet wrapped in a Socket. */
export interface AcceptedHandle {
  close(cb?: () => void): void;
}

/**
 * Takes over a listening server's accepts: `onHandle` gets each accepted libuv handle before
 * node:net builds a Socket for it (or the accept's error number), so sockflow can build the
 * socket itself with `onread` (node:net's server has no option for it: nodejs/node#53792).
 * Returns false, changing nothing, when the server's handle is not one of libuv's stream
 * wraps (`TCP`, `Pipe`) with an `onconnection` slot: then the caller takes node:net's
 * `'connection'` sockets (read with `'data'`).
 *
 * Checked on: Node 20-26 (taken over); Deno 2.9 (`TCPWrap`, whose `onconnection` slot is not
 * the one that delivers: false); Bun 1.4 (a plain object: false).
 */
export function takeOverAccepts(
  server: net.Server,
  onHandle: (err: number, handle: AcceptedHandle | undefined) => void,
): boolean {
  const h = handleOf(server);
  if (h == null || typeof h.onconnection !== 'function') return false;
  const kind = h.constructor.name;
  if (kind !== 'TCP' && kind !== 'Pipe') return false;
  h.onconnection = onHandle;
  return true;
}

/**
 * Wraps a handle `takeOverAccepts` delivered in a Socket that reads through `onread`. node:net
 * calls the callback as a method of the socket, and `onread.buffer` as a plain function right
 * after it (and once now): so one shared `onread` object can serve every accepted socket.
 */
export function adoptAcceptedHandle(handle: AcceptedHandle, onread: OnRead): net.Socket {
  return newSocket({ handle, allowHalfOpen: true, readable: true, writable: true, onread });
}

/**
 * Wraps a handle `takeOverAccepts` delivered in a plain Socket, as node:net's server would, for
 * a layer that takes the handle over at once (TLS). Not half-open: see `Listener`'s handshake.
 */
export function socketOfAcceptedHandle(handle: AcceptedHandle): net.Socket {
  return newSocket({ handle, allowHalfOpen: false, readable: true, writable: true });
}

/**
 * The plain socket a server-side TLS socket was made from (node:net keeps it as `_parent`), or
 * `undefined` where the runtime does not say.
 *
 * Checked on: Node 20-26.
 */
export function plainSocketOf(socket: tls.TLSSocket): net.Socket | undefined {
  if (publicApiOnly.on) return undefined;
  const parent = (socket as unknown as { _parent?: unknown })._parent;
  return parent instanceof net.Socket ? parent : undefined;
}

// --- the 'end' listener ------------------------------------------------------------------------

/**
 * Listens for the peer's FIN. On a half-open socket node:net's own `'end'` listener
 * (`onReadableStreamEnd`) does nothing, so `listener` takes its place in the socket's event
 * table instead of joining it: no listener array per connection (32 B; 72 on Node 24).
 * Replaced in place, since removing a listener deletes the property and turns the table into
 * a dictionary. Elsewhere, a plain `on('end')`.
 *
 * Checked on: Node 20-26 (replaced); Deno 2.9 (`_onReadableStreamEnd`), Bun 1.4
 * (`onSocketEnd`): added.
 */
export function listenForEnd(socket: net.Socket, listener: (this: net.Socket) => void): void {
  const table = publicApiOnly.on
    ? undefined
    : (socket as unknown as { _events?: Record<string, unknown> })._events;
  const current = table?.end;
  if (
    socket.allowHalfOpen &&
    table !== undefined &&
    typeof current === 'function' &&
    current.name === 'onReadableStreamEnd'
  ) {
    table.end = listener;
  } else {
    socket.on('end', listener);
  }
}

// --- bytes the kernel took -------------------------------------------------------------------

/**
 * Bytes of the socket's writes the OS has accepted so far: what libuv's handle counts as
 * written less what still waits in its queue. Where the handle does not say (Deno, Bun, or a
 * closed socket), node:net's public `bytesWritten`, every byte handed to the socket: an upper
 * bound, since some of them may not have reached the OS.
 *
 * Checked on: Node 20-26 (exact).
 */
export function kernelBytesWritten(socket: net.Socket): number {
  return handleBytesTaken(socket) ?? socket.bytesWritten;
}

/** True when `kernelBytesWritten` is exact for this socket (its handle says). */
export function kernelBytesWrittenIsExact(socket: net.Socket): boolean {
  return handleBytesTaken(socket) !== undefined;
}

/** What the handle says the kernel took, or `undefined` when it does not say. */
function handleBytesTaken(socket: net.Socket): number | undefined {
  const h = handleOf(socket);
  // A TLS handle counts plaintext written and ciphertext queued: no difference to take.
  if (
    h == null ||
    h._parent !== undefined ||
    typeof h.bytesWritten !== 'number' ||
    typeof h.writeQueueSize !== 'number'
  ) {
    return undefined;
  }
  return h.bytesWritten - h.writeQueueSize;
}

// --- TCP or not ------------------------------------------------------------------------------

/**
 * Whether the socket is TCP (which can be reset) rather than a Unix socket: libuv's handle
 * class, or, where there is none to ask, whether the socket has a remote port.
 *
 * Checked on: Node 20-26 (`TCP` / `Pipe`).
 */
export function isTcp(socket: net.Socket): boolean {
  const top = handleOf(socket);
  const h = top?._parent ?? top;
  if (h != null && (h.constructor.name === 'TCP' || h.constructor.name === 'Pipe')) {
    return h.constructor.name === 'TCP';
  }
  return typeof socket.remotePort === 'number';
}

// --- a peer reset reported as EOF (libuv before 1.52) -----------------------------------------

/** libuv's version as [major, minor], or undefined where the runtime does not say. */
const uvVersion = process.versions.uv?.split('.').map(Number);

/**
 * Whether libuv may report a peer's RST as a clean EOF: before 1.52 (Node 20 and 22), a RST
 * arriving behind unread data ends the stream without the `ECONNRESET` the next read would
 * have returned (node-notes §2).
 */
const uvMayHideResets =
  uvVersion !== undefined &&
  ((uvVersion[0] ?? 0) < 1 || ((uvVersion[0] ?? 0) === 1 && (uvVersion[1] ?? 0) < 52));

const NO_BYTES = Buffer.alloc(0);

/**
 * At an EOF on `socket`, whether it may be a peer reset libuv reported as EOF, and can be
 * told from a FIN: libuv before 1.52, a plain TCP socket on libuv's own `TCP` handle (a Unix
 * socket has no RST; a TLS stream cut by a RST already ends as truncated, §22), and our
 * sending side open with nothing waiting in node:net (the check must not wait behind writes
 * a peer that stopped reading holds up). Then `checkForReset()` tells.
 *
 * Checked on: Node 20.20 (libuv 1.46) and 22.23 (1.51): yes; 24.21 and 26.10 (1.52.1): no,
 * libuv reports the reset itself; Bun 1.4 and Deno 2.9: no (no libuv `TCP` handle).
 */
export function eofMayHideReset(socket: net.Socket): boolean {
  if (!uvMayHideResets || socket instanceof tls.TLSSocket) return false;
  if (socket.destroyed || socket.writableEnded || socket.writableLength > 0) return false;
  return handleOf(socket)?.constructor.name === 'TCP';
}

/**
 * Tells a reset from a FIN after an EOF on `socket` (see `eofMayHideReset()`) with a write of
 * zero bytes, which sends nothing: the kernel answers it from the socket's state, with the
 * `ECONNRESET` libuv never read when the peer reset, and success after a FIN. `done` gets the
 * error (node:net has then destroyed the socket with it, and emitted `'error'`) or nothing.
 *
 * Checked on: Node 20.20 and 22.23, 20 resets behind 32 MiB of unread data: EOF each time,
 * and this check said ECONNRESET each time; 20 FINs: success each time.
 */
export function checkForReset(socket: net.Socket, done: (err?: Error | null) => void): void {
  socket.write(NO_BYTES, done);
}

// --- resetting a TLS connection ------------------------------------------------------------

/**
 * Resets the TCP connection under a TLS socket (RST, no close_notify) and destroys the
 * socket. node:net's `resetAndDestroy()` refuses a TLS socket (`ERR_INVALID_HANDLE_TYPE`):
 * its handle is the TLS layer (`TLSWrap`), which forwards `close` to the TCP handle under it
 * but not `reset`. So `reset` is forwarded the same way and node:net's own reset path runs
 * (`resetAndClosing`, then `destroy()`), closing the TCP handle with RST instead. Returns
 * false, doing nothing, when the socket is not TLS over TCP or the handle cannot be reached.
 *
 * Checked on: Node 20-26.
 */
export function resetTls(socket: tls.TLSSocket): boolean {
  const h = handleOf(socket);
  const parent = h?._parent;
  if (h == null || parent == null || parent.constructor.name !== 'TCP') return false;
  const reset = parent.reset;
  if (typeof reset !== 'function') return false;
  h.reset = (cb) => reset.call(parent, cb);
  (socket as unknown as { resetAndClosing: boolean }).resetAndClosing = true;
  socket.destroy();
  return true;
}

// --- a TLS stream cut short ----------------------------------------------------------------

/**
 * Tells a TLS peer's clean end (close_notify) from a truncated one (TCP FIN alone), which
 * node:tls reports the same way (node-notes §22): calls `onTruncated` when the stream ends
 * without close_notify. Returns false, installing nothing, where the surfaces are missing:
 * then a truncated stream ends like a clean one.
 *
 * How: node:tls's TLS layer (`TLSWrap`) emits its end of stream from inside the TCP handle's
 * read callback, either for a read that carried close_notify (the TCP handle is still
 * reading) or for the TCP EOF itself (libuv has stopped reading). The socket's `onread` is
 * wrapped; when a call ends the readable stream, the TCP handle under TLS is asked to start
 * reading: `UV_EALREADY` means it was still reading (close_notify); `0` means libuv had
 * stopped at the FIN (truncated), and reading is stopped again. When node:net itself
 * stopped reading in that same call (`reading` false), the TCP EOF cannot have been read:
 * close_notify.
 *
 * Checked on: Node 20-26 (libuv 1.46 and later); Deno 2.9 and Bun 1.4: not installed.
 */
export function watchForTruncation(
  socket: tls.TLSSocket,
  onTruncated: (socket: tls.TLSSocket) => void,
): boolean {
  if (publicApiOnly.on) return false;
  const h = handleOf(socket) as (Handle & { onread?: unknown; reading?: unknown }) | null;
  const tcp = h?._parent as (Handle & { readStart?: unknown; readStop?: unknown }) | null;
  const state = (socket as unknown as { _readableState?: { ended?: unknown } })._readableState;
  if (
    h == null ||
    tcp == null ||
    // libuv's own stream handles: the probe reads libuv's state (Deno's `TCPWrap` has other
    // internals, and its readStart() says 0 either way).
    (tcp.constructor.name !== 'TCP' && tcp.constructor.name !== 'Pipe') ||
    typeof h.onread !== 'function' ||
    typeof tcp.readStart !== 'function' ||
    typeof tcp.readStop !== 'function' ||
    state === undefined ||
    typeof state.ended !== 'boolean'
  ) {
    return false;
  }
  // node:net's `onStreamRead(arrayBuffer)`: one argument, passed on as it came.
  const onread = h.onread as (this: unknown, arrayBuffer: unknown) => unknown;
  const readStart = tcp.readStart as (this: unknown) => number;
  const readStop = tcp.readStop as (this: unknown) => number;
  h.onread = function (this: unknown, arrayBuffer: unknown): unknown {
    const before = state.ended;
    const result = onread.call(this, arrayBuffer);
    if (before === false && state.ended === true && h.reading !== false) {
      if (readStart.call(tcp) === 0) {
        readStop.call(tcp);
        onTruncated(socket);
      }
    }
    return result;
  };
  return true;
}

// --- socket names ----------------------------------------------------------------------------

/** An address as node:net reports it: family a string (`'IPv4'`) or, on some versions, a number. */
export interface RawName {
  address: string | undefined;
  port: number | undefined;
  family: string | number | undefined;
}

const scratch: RawName = { address: undefined, port: undefined, family: undefined };

/**
 * The socket's peer (`'peer'`) or own (`'own'`) name, read from the handle into one reused
 * object (node:net's public getters cache an object per socket on top of the copy a
 * connection keeps); where the handle cannot say, node:net's public getters. The result is
 * only valid until the next call: copy what you keep. `undefined` when the socket cannot say.
 *
 * Checked on: Node 20-26, Deno 2.9 (from the handle); Bun 1.4 (public getters).
 */
export function socketName(socket: net.Socket, which: 'peer' | 'own'): RawName | undefined {
  const h = handleOf(socket);
  const get = which === 'peer' ? h?.getpeername : h?.getsockname;
  if (typeof get !== 'function') {
    return which === 'peer'
      ? { address: socket.remoteAddress, port: socket.remotePort, family: socket.remoteFamily }
      : { address: socket.localAddress, port: socket.localPort, family: socket.localFamily };
  }
  scratch.address = undefined;
  scratch.port = undefined;
  scratch.family = undefined;
  return get.call(h, scratch) === 0 ? scratch : undefined;
}

// --- a UDP socket's datagrams, straight from its handle --------------------------------------

/** The sender of a datagram, as libuv's handle reports it (node:dgram's `RemoteInfo`). */
export interface UdpSender {
  address: string;
  family: string;
  port: number;
}

/** The handle node:dgram keeps under the symbol it describes as `'state symbol'`. */
function udpHandleOf<H>(socket: dgram.Socket): H | undefined {
  if (publicApiOnly.on) return undefined;
  const o = socket as unknown as Record<symbol, { handle?: H | null } | undefined>;
  const key = Object.getOwnPropertySymbols(socket).find((k) => k.description === 'state symbol');
  return (key === undefined ? undefined : o[key]?.handle) ?? undefined;
}

/**
 * Takes a bound socket's datagrams from its handle: `onDatagram` for each, `onError` for what
 * the OS reports instead (ICMP port unreachable: `ECONNREFUSED`), in place of node:dgram's
 * handler, which only re-emits them as `'message'` and `'error'` events. Returns false where
 * the handle is not Node's: then listen for the events.
 *
 * Checked on: Node 20-26; Bun 1.4 and Deno 2.9: false, the fallback.
 */
export function takeUdpMessages(
  socket: dgram.Socket,
  onDatagram: (data: Buffer, from: UdpSender) => void,
  onError: (errno: number) => void,
): boolean {
  const h = udpHandleOf<{ constructor: { name: string }; onmessage?: unknown }>(socket);
  if (h === undefined || h.constructor.name !== 'UDP' || typeof h.onmessage !== 'function') {
    return false;
  }
  h.onmessage = (nread: number, _handle: unknown, data: Buffer, from: UdpSender): void => {
    if (nread < 0) onError(nread);
    else onDatagram(data, from);
  };
  return true;
}

// --- what a UDP send did before dgram's send() returned --------------------------------------

/**
 * A send request libuv queued (the OS did not take the datagram at once): libuv calls its
 * `oncomplete(status, bytes)` once the datagram went out (`status` 0) or failed (a negative
 * errno). Set `oncomplete` before returning to the event loop.
 */
export interface UdpSendRequest {
  oncomplete: (status: number, bytes: number) => void;
}

/**
 * What the OS did with each datagram as `dgram.Socket.send()` handed it over, for sends made
 * without a callback: set by every such send that reached the socket's handle during the call.
 * Node's handle tries the send at once (`uv_udp_try_send`) and returns the datagram's size + 1
 * when the OS took it, a negative errno when the OS refused it, and 0 when it queued the
 * datagram; node:dgram reports these only through a callback, on a later tick.
 */
export interface UdpSendWatch {
  /** The handle's result for the latest send (see above), `undefined` when none reached it. */
  last: number | undefined;
  /** The latest send's request when libuv queued it (`last` is 0), else `undefined`. */
  queued: UdpSendRequest | undefined;
}

type UdpHandle = {
  constructor: { name: string };
  send?: (...args: unknown[]) => unknown;
};

const ignoreCompletion = (): void => {};

/**
 * Watches `socket`'s sends made without a callback (see {@link UdpSendWatch}) by wrapping its
 * handle's `send`, or `undefined` where the handle is not Node's. node:dgram passes the handle
 * whether it was given a callback (the last argument); for a send without one the wrapper
 * asks libuv to report a queued send all the same, to the request's `oncomplete`, which the
 * caller sets. So a send the OS takes at once costs no callback and no tick at all (with a
 * callback, node:dgram queues a `process.nextTick` per datagram to call it), and a queued one
 * still reports how it went. Sends made with a callback pass through untouched.
 *
 * The socket must be bound: node:dgram makes its handle when the socket is created and keeps
 * it until close, under the symbol it describes as `'state symbol'`.
 *
 * Checked on: Node 20-26 (watched); Bun 1.4 (its handle throws rather than returning an errno)
 * and Deno 2.9 (no handle): `undefined`, the fallback.
 */
export function watchUdpSends(socket: dgram.Socket): UdpSendWatch | undefined {
  const h = udpHandleOf<UdpHandle>(socket);
  const send = h?.send;
  if (h === undefined || h.constructor.name !== 'UDP' || typeof send !== 'function') {
    return undefined;
  }
  const watch: UdpSendWatch = { last: undefined, queued: undefined };
  h.send = function (this: unknown, ...args: unknown[]): unknown {
    const last = args.length - 1;
    const bare = args[last] === false; // node:dgram was given no callback
    if (bare) args[last] = true; // then libuv reports a queued send to us, not to nobody
    const r = send.apply(this, args);
    watch.last = typeof r === 'number' ? r : undefined;
    if (bare && r === 0) {
      const req = args[0] as UdpSendRequest;
      req.oncomplete = ignoreCompletion; // until the caller sets its own
      watch.queued = req;
    } else {
      watch.queued = undefined;
    }
    return r;
  };
  return watch;
}
