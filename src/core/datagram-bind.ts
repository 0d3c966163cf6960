/**
 * `bind()` and `tryBind()`: make a UDP socket and bind it, giving a {@link DatagramSocket}.
 *
 * @module
 */
import * as dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { TcpAddress } from './address.js';
import { DatagramSocket, udpEndpoint } from './datagram.js';
import { InvalidArgValueError } from './errors.js';
import { signalOf, validateBoolean, validateInteger, validateObject } from './internal/validate.js';

/**
 * Options of {@link bind}.
 *
 * @example
 * ```ts
 * const udp = await bind({ host: '0.0.0.0', port: 5353 }, {
 *   reuseAddr: true,
 *   multicastMembership: ['224.0.0.251'],
 *   receiveQueueSize: 4096,
 * });
 * ```
 */
export interface BindOptions {
  /**
   * Datagrams held for receives not yet made. Past it, new datagrams are dropped and counted
   * in {@link DatagramSocket.dropped}: UDP is lossy by nature, and memory must stay bounded
   * whatever peers send (at most this many datagrams of at most 64 KiB each). At least 1.
   * @defaultValue `1024`
   */
  receiveQueueSize?: number;
  /** Aborts the `bind()` call itself (not the socket's lifetime). */
  signal?: AbortSignal;
  /** `SO_REUSEADDR`: several sockets may bind the same address (multicast listeners). */
  reuseAddr?: boolean;
  /** On an IPv6 socket, receive IPv6 only (no IPv4-mapped addresses). */
  ipv6Only?: boolean;
  /** `SO_BROADCAST`: may send to a broadcast address. */
  broadcast?: boolean;
  /** Multicast groups to join once bound (`IP_ADD_MEMBERSHIP`), on the default interface. */
  multicastMembership?: readonly string[];
  /** Hops a multicast datagram may take. @defaultValue `1` (the OS's) */
  multicastTtl?: number;
  /** Whether multicast datagrams sent come back to this host. @defaultValue `true` */
  multicastLoopback?: boolean;
}

/** Default of {@link BindOptions.receiveQueueSize}. *
 * @example
 * ```ts
 * await bind({ port: 0 }, { receiveQueueSize: DEFAULT_RECEIVE_QUEUE_SIZE * 4 });
 * ```
 */
export const DEFAULT_RECEIVE_QUEUE_SIZE = 1024;

/** What `bind()` and `tryBind()` checked of their arguments, before any I/O. */
interface BindPlan {
  port: number;
  host: string | undefined;
  queueSize: number;
  reuseAddr: boolean;
  ipv6Only: boolean;
  broadcast: boolean;
  ttl: number | undefined;
  loopback: boolean | undefined;
  groups: readonly string[];
  signal: AbortSignal | undefined;
}

function plan(on: TcpAddress, options: BindOptions | undefined): BindPlan {
  const { port, host } = udpEndpoint(on, 'on', false);
  const o = options ?? {};
  validateObject(o, 'options');
  const groups: unknown = o.multicastMembership ?? [];
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && isIP(g) !== 0)) {
    throw new InvalidArgValueError(
      'The "multicastMembership" option must be a list of IP addresses',
    );
  }
  return {
    port,
    host,
    queueSize:
      o.receiveQueueSize === undefined
        ? DEFAULT_RECEIVE_QUEUE_SIZE
        : validateInteger(o.receiveQueueSize, 'receiveQueueSize', 1),
    reuseAddr: o.reuseAddr === undefined ? false : validateBoolean(o.reuseAddr, 'reuseAddr'),
    ipv6Only: o.ipv6Only === undefined ? false : validateBoolean(o.ipv6Only, 'ipv6Only'),
    broadcast: o.broadcast === undefined ? false : validateBoolean(o.broadcast, 'broadcast'),
    ttl:
      o.multicastTtl === undefined
        ? undefined
        : validateInteger(o.multicastTtl, 'multicastTtl', 0, 255),
    loopback:
      o.multicastLoopback === undefined
        ? undefined
        : validateBoolean(o.multicastLoopback, 'multicastLoopback'),
    groups: groups as string[],
    signal: signalOf(options),
  };
}

/**
 * node:dgram's name lookup, answering at once for an IP address (node:dgram looks up every
 * address it binds, connects or sends to; `dns.lookup()` answers an IP address only on the
 * next tick). With it, binding, connecting and sending to an IP address reach the OS before
 * node:dgram's call returns, so `tryBind()` and `trySend()` can say at once how they went.
 */
function lookupNow(
  host: string,
  options: unknown,
  callback: (err: Error | null, address: string, family: number) => void,
): void {
  const family = isIP(host);
  if (family !== 0) {
    callback(null, host, family);
    return;
  }
  dnsLookup(host, options as number, callback);
}

/**
 * Binds a UDP socket: IPv4 or IPv6 by the host's address (a name is looked up first; no host
 * binds every IPv4 interface, `'::'` every IPv6 one), port 0 picks a free port (see
 * `udp.address`).
 *
 * Bad arguments reject before any I/O. A failure to bind rejects with the system error
 * (`EADDRINUSE`, `EACCES`…).
 *
 * **Cancel safety:** cancel safe. An aborted `bind()` rejects with `signal.reason` and leaves
 * nothing bound.
 *
 * @example
 * ```ts
 * await using udp = await bind({ host: '127.0.0.1', port: 0 });
 * const { data, from } = await udp.receive();
 * ```
 */
export async function bind(on: TcpAddress, options?: BindOptions): Promise<DatagramSocket> {
  const p = plan(on, options);
  p.signal?.throwIfAborted();
  if (p.host !== undefined && isIP(p.host) === 0) {
    const found = await lookup(p.host);
    p.signal?.throwIfAborted();
    p.host = found.address;
  }
  return start(p);
}

/**
 * Starts binding like {@link bind} and says at once whether it is done: returns the socket
 * when it was bound before this call returned (an IP address or no host, on a runtime whose
 * node:dgram binds at once: Node and Deno), otherwise the promise `bind()` would have
 * returned (a host name to look up; Bun). What `bind()` would reject with before any I/O
 * (bad arguments, an aborted signal), and a failure to bind the OS reports at once
 * (`EADDRINUSE`…), it throws. For layers that must bind synchronously, as .NET's
 * `Socket.Bind` does (sockflow/compat is built on it).
 *
 * **Cancel safety:** as for `bind()`, once it returned a promise.
 *
 * @example
 * ```ts
 * const r = tryBind({ host: '127.0.0.1', port: 0 });
 * const udp = r instanceof Promise ? await r : r;
 * ```
 */
export function tryBind(
  on: TcpAddress,
  options?: BindOptions,
): DatagramSocket | Promise<DatagramSocket> {
  const p = plan(on, options);
  p.signal?.throwIfAborted();
  if (p.host !== undefined && isIP(p.host) === 0) return bind(on, options);
  return start(p);
}

/** Binds `p.host` (an IP address, or none): the socket at once if the OS bound it at once. */
function start(p: BindPlan): DatagramSocket | Promise<DatagramSocket> {
  const family = p.host === undefined ? 4 : isIP(p.host);
  const socket = dgram.createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    reuseAddr: p.reuseAddr,
    ipv6Only: p.ipv6Only,
    lookup: lookupNow,
  });
  let failed: Error | undefined;
  let bound = false;
  const onError = (err: Error): void => {
    failed = err;
  };
  socket.once('error', onError);
  socket.bind({ port: p.port, ...(p.host === undefined ? {} : { address: p.host }) }, () => {
    bound = true;
  });
  if (failed !== undefined) {
    socket.close();
    throw failed;
  }
  if (bound) {
    socket.off('error', onError);
    return finish(socket, p);
  }
  // Not bound yet (a runtime that binds on a later tick): wait, abortably.
  socket.off('error', onError);
  const signal = p.signal;
  return new Promise<DatagramSocket>((resolve, reject) => {
    const onFail = (err: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      socket.off('listening', onListening);
      socket.close();
      reject(err);
    };
    const onAbort = (): void => {
      socket.off('error', onFail);
      socket.off('listening', onListening);
      socket.close();
      reject((signal as AbortSignal).reason);
    };
    const onListening = (): void => {
      socket.off('error', onFail);
      signal?.removeEventListener('abort', onAbort);
      try {
        resolve(finish(socket, p));
      } catch (err) {
        reject(err);
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onFail);
    socket.once('listening', onListening);
  });
}

/** The options that apply once bound; then the socket. */
function finish(socket: dgram.Socket, p: BindPlan): DatagramSocket {
  try {
    if (p.broadcast) socket.setBroadcast(true);
    if (p.ttl !== undefined) socket.setMulticastTTL(p.ttl);
    if (p.loopback !== undefined) socket.setMulticastLoopback(p.loopback);
    for (const g of p.groups) socket.addMembership(g);
  } catch (err) {
    socket.close();
    throw err;
  }
  return new DatagramSocket(socket, p.queueSize);
}
