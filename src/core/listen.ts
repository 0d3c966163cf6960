/**
 * `listen()`: accept TCP or Unix socket connections.
 *
 * @module
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { parseEndpoint, type Endpoint, type IpcAddress, type TcpAddress } from './address.js';
import { resolveConnectionOptions, type ConnectionOptions } from './connection-options.js';
import { InvalidArgTypeError, InvalidArgValueError, SockflowError } from './errors.js';
import { reusePortUnsupported } from './internal/reuse-port.js';
import { describe, validateInteger, signalOf } from './internal/validate.js';
import { createListener, type Listener } from './listener.js';
import { resolveTlsServer, type TlsServerOptions } from './tls-options.js';

/**
 * Options of {@link listen}. The connection options apply to every accepted connection.
 *
 * @example
 * ```ts
 * const listener = await listen({ port: 0 }, { maxPendingAccepts: 64, idleTimeout: 120_000 });
 * ```
 */
export interface ListenOptions extends ConnectionOptions {
  /**
   * The kernel's accept queue. High by default: Node's 511 overflows under bursts of
   * connects (10,000 at once took 1.6–3.4 s with thousands of overflows, 0.5–0.7 s with
   * 4096: `docs/node-notes.md` §6). The kernel caps it at `net.core.somaxconn`.
   *
   * While an `accept()` waits (a `for await` over the listener), a burst is taken from the
   * kernel as fast as it arrives and the connections are built once it pauses (after at most
   * 50 ms, a batch at a time), so the kernel's queue stays short: libuv accepts one connection
   * per event-loop turn, and building one costs several times that. Up to 4 × `backlog`
   * connections may wait so, as bare handles. An integer from 1 to 2³¹ − 1 (listen(2) takes
   * an `int`); anything else rejects with `ERR_OUT_OF_RANGE`.
   * @defaultValue `4096`
   */
  backlog?: number;
  /**
   * Connections accepted while no `accept()` waits and not yet taken by one; beyond it new
   * ones are closed at once (counted in `droppedConnections`). Unaccepted connections are
   * not read, so each costs only its kernel buffers.
   * @defaultValue `1024`
   */
  maxPendingAccepts?: number;
  /**
   * Lets other listeners (in this process or others) listen on the same TCP port, each with
   * `reusePort: true`; the kernel spreads new connections over them (SO_REUSEPORT): every
   * core serves, with no process in between (docs/scaling.md compares it with `node:cluster`
   * and worker threads). Where the runtime or the platform cannot (Node before 22.12 and
   * 23.1, which ignore the option; macOS and Windows; Bun and Deno where their `node:net`
   * does not set it), `listen()` rejects with `ERR_SOCKET_REUSEPORT_UNSUPPORTED` rather than
   * listen alone; that is found by a probe (two loopback listeners, once per process). TCP
   * only: with a Unix socket path it is `ERR_INVALID_ARG_VALUE`.
   * @defaultValue `false`
   */
  reusePort?: boolean;
  /** Aborts the `listen()` call itself (not the listener's lifetime). */
  signal?: AbortSignal;
  /**
   * Speak TLS: each accepted client does its handshake before `accept()` sees it; one that
   * fails (or takes longer than `handshakeTimeout`) is closed and counted in
   * `Listener.handshakeFailures`, and the listener goes on. Handshakes in progress count
   * against `maxPendingAccepts`.
   */
  tls?: TlsServerOptions;
}

/** Default of {@link ListenOptions.backlog}. *
 * @example
 * ```ts
 * await listen({ port: 0 }, { backlog: DEFAULT_BACKLOG * 2 }); // the kernel caps it at somaxconn
 * ```
 */
export const DEFAULT_BACKLOG = 4096;
/** The largest `backlog`: listen(2) takes an `int`. */
const MAX_BACKLOG = 2 ** 31 - 1;
/** Default of {@link ListenOptions.maxPendingAccepts}. *
 * @example
 * ```ts
 * await listen({ port: 0 }, { maxPendingAccepts: DEFAULT_MAX_PENDING_ACCEPTS / 4 });
 * ```
 */
export const DEFAULT_MAX_PENDING_ACCEPTS = 1024;

/**
 * Starts listening: TCP on a host and port (all interfaces when `host` is omitted; port 0
 * picks a free port, see `listener.address`), or a Unix socket at a path.
 *
 * Bad arguments reject before any I/O (never a synchronous throw). A failure to listen
 * rejects with the system error (`EADDRINUSE`, `EACCES`…).
 *
 * **Cancel safety:** cancel safe. An aborted `listen()` rejects with `signal.reason` and leaves
 * nothing listening.
 *
 * @example
 * ```ts
 * await using listener = await listen({ host: '127.0.0.1', port: 0 });
 * for await (const conn of listener) void serve(conn);
 * ```
 */
export function listen(on: TcpAddress | IpcAddress, options?: ListenOptions): Promise<Listener> {
  let ep;
  let resolved;
  let backlog;
  let maxPendingAccepts;
  let signal;
  let secure;
  let reusePort;
  try {
    ep = parseEndpoint(on, 'on', false);
    resolved = resolveConnectionOptions(options);
    const o = options ?? {};
    backlog =
      o.backlog === undefined
        ? DEFAULT_BACKLOG
        : validateInteger(o.backlog, 'backlog', 1, MAX_BACKLOG);
    maxPendingAccepts =
      o.maxPendingAccepts === undefined
        ? DEFAULT_MAX_PENDING_ACCEPTS
        : validateInteger(o.maxPendingAccepts, 'maxPendingAccepts', 0);
    signal = signalOf(options);
    secure = o.tls === undefined ? undefined : resolveTlsServer(o.tls);
    reusePort = validateReusePort(o.reusePort, ep.kind);
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (!reusePort) return listenNow(ep, resolved, backlog, maxPendingAccepts, signal, secure, false);
  return reusePortUnsupported().then((why) => {
    if (why !== undefined) {
      throw new SockflowError(
        `Cannot listen with reusePort: ${why}`,
        'ERR_SOCKET_REUSEPORT_UNSUPPORTED',
      );
    }
    if (signal?.aborted) throw signal.reason;
    return listenNow(ep, resolved, backlog, maxPendingAccepts, signal, secure, true);
  });
}

function validateReusePort(value: unknown, kind: 'tcp' | 'ipc'): boolean {
  if (value === undefined || value === false) return false;
  if (value !== true) {
    throw new InvalidArgTypeError(
      `The "reusePort" option must be a boolean: received ${describe(value)}`,
    );
  }
  if (kind === 'ipc') {
    throw new InvalidArgValueError('The "reusePort" option is for TCP listeners, not Unix sockets');
  }
  return true;
}

function listenNow(
  ep: Endpoint,
  resolved: ReturnType<typeof resolveConnectionOptions>,
  backlog: number,
  maxPendingAccepts: number,
  signal: AbortSignal | undefined,
  secure: ReturnType<typeof resolveTlsServer> | undefined,
  reusePort: boolean,
): Promise<Listener> {
  return new Promise<Listener>((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const cleanup = (): void => {
      server.off('listening', onListening);
      server.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onListening = (): void => {
      cleanup();
      // Errors after listening (none expected: accepts are ours) must not crash the process.
      server.on('error', () => {});
      resolve(
        createListener({
          server,
          options: resolved,
          maxPendingAccepts,
          backlog,
          ipcPath: ep.kind === 'ipc' ? ep.path : undefined,
          tls:
            secure === undefined
              ? undefined
              : tls.createServer({ ...secure.serverOptions, allowHalfOpen: true }),
        }),
      );
    };
    const onError = (err: Error): void => {
      cleanup();
      server.close();
      reject(err);
    };
    const onAbort = (): void => {
      cleanup();
      server.close();
      reject((signal as AbortSignal).reason);
    };
    server.once('listening', onListening);
    server.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (ep.kind === 'ipc') server.listen({ path: ep.path, backlog });
    else
      server.listen({
        port: ep.port,
        backlog,
        ...(ep.host === undefined ? {} : { host: ep.host }),
        // Not in the Node 20 type definitions; checked by the probe before it gets here.
        ...(reusePort ? ({ reusePort: true } as net.ListenOptions) : {}),
      });
  });
}
