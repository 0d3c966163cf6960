// Builds a Connection around a fresh or accepted socket: receive buffer, transport, connection.
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { IpSocketAddress, SocketAddress, UnixSocketAddress } from '../address.js';
import type { ResolvedConnectionOptions } from '../connection-options.js';
import { createConnection, type Connection } from '../connection.js';
import { ReceiveBuffer } from '../receive-buffer.js';
import { Transport } from '../transport.js';
import type { AcceptedHandle } from './node-net.js';
import { peerName, sockName } from './socket-names.js';

/** A transport with its receive buffer, before the connection exists (a client still connecting). */
export function newTransport(
  options: ResolvedConnectionOptions,
  from?: { handle: AcceptedHandle } | { socket: net.Socket } | { tls: tls.ConnectionOptions },
): Transport {
  const rb = new ReceiveBuffer(options.receiveBufferSize);
  return new Transport(rb, from);
}

/** The other end's name on a Unix socket, which has none: shared by every connection. */
const UNNAMED: UnixSocketAddress = Object.freeze({ path: '' });
const NO_ADDRESS: IpSocketAddress = Object.freeze({ address: '', port: 0, family: 'IPv4' });

/** The two names of a connection: its own and the peer's. */
export interface Names {
  local: SocketAddress;
  remote: SocketAddress;
}

/**
 * The names of a TCP connection, read now, while the socket can say: `local` when the caller
 * already knows it (a listener's connections share one).
 */
export function tcpNames(socket: net.Socket, local?: SocketAddress): Names {
  return {
    local: local ?? sockName(socket) ?? NO_ADDRESS,
    remote: peerName(socket) ?? NO_ADDRESS,
  };
}

/** The names of a Unix socket connection: the path is the server end's; the client's is unnamed. */
export function ipcNames(path: SocketAddress, serverSide: boolean): Names {
  Object.freeze(path);
  return serverSide ? { local: path, remote: UNNAMED } : { local: UNNAMED, remote: path };
}

export function connectionOf(
  transport: Transport,
  options: ResolvedConnectionOptions,
  names: Names,
): Connection {
  return createConnection({
    transport,
    receiveBuffer: transport.sink as ReceiveBuffer,
    options,
    local: names.local,
    remote: names.remote,
  });
}
