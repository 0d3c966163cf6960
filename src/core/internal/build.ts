// Builds a Connection around a fresh or accepted socket: receive buffer, transport, connection.
import type * as net from 'node:net';
import type { ResolvedConnectionOptions } from '../connection-options.js';
import { createConnection, type Connection } from '../connection.js';
import { ReceiveBuffer } from '../receive-buffer.js';
import { Transport } from '../transport.js';

/** Reading pauses when room falls below this: reads stay large, and tiny limits still work. */
export function lowWaterOf(receiveBufferSize: number): number {
  return Math.min(16 * 1024, receiveBufferSize);
}

/** A transport with its receive buffer, before the connection exists (a client still connecting). */
export function newTransport(
  options: ResolvedConnectionOptions,
  from?: { handle: unknown } | { socket: net.Socket },
): Transport {
  const rb = new ReceiveBuffer(options.receiveBufferSize);
  return new Transport(rb, lowWaterOf(options.receiveBufferSize), from);
}

/** Test hook: accept through node:net's own sockets and 'data', as when `onread` is out of reach. */
export const fallback = { forceDataMode: false };

export function connectionOf(
  transport: Transport,
  options: ResolvedConnectionOptions,
  ipcPath?: string,
  ipcServerSide?: boolean,
): Connection {
  return createConnection({
    transport,
    receiveBuffer: transport.sink as ReceiveBuffer,
    options,
    ...(ipcPath === undefined ? {} : { ipcPath, ipcServerSide: ipcServerSide === true }),
  });
}
