// The two names of a TCP socket, read once when the connection is made.
//
// node:net's `remoteAddress` and `localAddress` cache an object per socket (and drop the local
// one when the socket is destroyed), on top of the copy a connection keeps so that its names
// outlive the socket. Read from the handle into one scratch object instead (node-net.ts), a
// connection holds one object for its peer and none of its own for the local name: an
// accepted connection shares its listener's address, or an interned copy when the listener is
// on every interface.
import type * as net from 'node:net';
import { toSocketAddress, type IpSocketAddress } from '../address.js';
import { socketName } from './node-net.js';

function read(socket: net.Socket, which: 'peer' | 'own'): IpSocketAddress | undefined {
  const raw = socketName(socket, which);
  const a = raw && (toSocketAddress(raw) as IpSocketAddress | undefined);
  return a && Object.freeze(a);
}

/** The peer's address (frozen), or `undefined` when the socket cannot say (it is closed). */
export function peerName(socket: net.Socket): IpSocketAddress | undefined {
  return read(socket, 'peer');
}

/** The socket's own address (frozen), or `undefined` when the socket cannot say. */
export function sockName(socket: net.Socket): IpSocketAddress | undefined {
  return read(socket, 'own');
}

/**
 * Local names of one listener's connections, shared: a listener on a given address hands out
 * that address; one on every interface asks each socket and keeps one frozen copy per address
 * seen (a host has few).
 */
export class LocalNames {
  readonly #fixed: IpSocketAddress | undefined;
  readonly #seen = new Map<string, IpSocketAddress>();

  constructor(listening: IpSocketAddress) {
    const unspecified = listening.address === '0.0.0.0' || listening.address === '::';
    this.#fixed = unspecified ? undefined : Object.freeze({ ...listening });
  }

  /** The local name of a socket this listener accepted. */
  of(socket: net.Socket): IpSocketAddress | undefined {
    if (this.#fixed !== undefined) return this.#fixed;
    const a = sockName(socket);
    if (a === undefined) return undefined;
    const key = `${a.address} ${a.port}`;
    let shared = this.#seen.get(key);
    if (shared === undefined) {
      shared = a;
      this.#seen.set(key, shared);
    }
    return shared;
  }
}
