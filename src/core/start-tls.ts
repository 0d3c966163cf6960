// STARTTLS: a plain connection upgraded to TLS in place, without losing or misreading a byte.
//
// The hazard is the bytes already read from the socket when the upgrade starts: a client that
// pipelines its ClientHello right behind `STARTTLS\r\n` has them sitting in our receive
// buffer, unread. Handed to nobody, the handshake stalls; handed to the application, they are
// misread as plaintext. So the upgrade takes every unread byte out of the receive buffer and
// gives it back to the socket (`unshift`) before the TLS layer wraps it: node:tls feeds bytes
// already buffered in the socket it wraps to the TLS engine before anything read after
// (node-notes §19). No byte can arrive in between: all of this runs in one turn of the event
// loop, and the socket stops reading before the first step.
//
// Anything that could interleave with the switch is refused first, with nothing changed: a
// pending receive (it would be satisfied by plaintext or ciphertext, nobody knows which) and
// sends still pending (their bytes would go out after the ClientHello, or inside it).
import * as tls from 'node:tls';
import { SocketBusyError, SocketShutdownError, SockflowError } from './errors.js';
import type { Lifecycle } from './lifecycle.js';
import type { ResolvedTlsClient, ResolvedTlsServer } from './tls-options.js';

/** The checks `startTls()` makes before anything changes; the error to reject with, if any. */
export function upgradeRefusal(life: Lifecycle): Error | undefined {
  if (life.userClosed) return life.closedErrorFor('start TLS on');
  const t = life.transport;
  if (t.destroyed) return t.error ?? life.closedErrorFor('start TLS on');
  if (t.socket instanceof tls.TLSSocket) {
    return new SockflowError(
      `Cannot start TLS on "${life.label}": the connection is TLS already`,
      'ERR_TLS_ALREADY_SECURE',
    );
  }
  if (life.receiver.busy) {
    return new SocketBusyError(
      `Cannot start TLS on "${life.label}": a receive is pending (its bytes would be ` +
        'ambiguous); cancel it first',
    );
  }
  // Sends gathered in this turn go out now, before the handshake's first byte.
  life.sender.release();
  if (life.sender.pending > 0) {
    return new SocketBusyError(
      `Cannot start TLS on "${life.label}": ${life.sender.pending} send(s) still pending; ` +
        'await them (or flush()) first',
    );
  }
  if (life.send !== 'open') {
    return new SocketShutdownError(`Cannot start TLS on "${life.label}": sending was shut down`);
  }
  if (life.receive !== 'open') {
    return new SocketShutdownError(
      `Cannot start TLS on "${life.label}": ` +
        (life.receive === 'eof' ? 'the peer finished sending' : 'receiving was shut down'),
    );
  }
  return undefined;
}

/**
 * Upgrades the connection whose lifecycle is `life` (after `upgradeRefusal()` found nothing):
 * ends it with `'upgraded'`, hands its unread bytes and its socket to node:tls, and once the
 * handshake is done (the peer verified) resolves with what `build` makes of the TLS socket,
 * called in the same turn so that no event of the socket goes unheard. Rejects with
 * node:tls's error (code unchanged) when the handshake fails, or with `signal.reason`; the
 * socket is then destroyed.
 */
export function upgrade<T>(
  life: Lifecycle,
  options: ResolvedTlsClient | ResolvedTlsServer,
  signal: AbortSignal | undefined,
  build: (socket: tls.TLSSocket) => T,
): Promise<T> {
  const plain = life.transport.socket;
  const unread = life.upgrade();
  // Not half-open during the handshake, so that a peer hanging up halfway fails it at once
  // (node:tls only notices when the EOF ends the socket); half-open again once secure.
  plain.allowHalfOpen = false;
  if (unread.length > 0) {
    plain.unshift(unread.length === 1 ? (unread[0] as Uint8Array) : Buffer.concat(unread));
  }
  return new Promise<T>((resolve, reject) => {
    let client: tls.TLSSocket | undefined;
    let server: tls.Server | undefined;
    const cleanup = (): void => {
      signal?.removeEventListener('abort', onAbort);
      client?.off('secureConnect', onClientSecure);
      client?.off('error', onError);
      server?.off('secureConnection', onSecure);
      server?.off('tlsClientError', onError);
    };
    function onSecure(socket: tls.TLSSocket): void {
      cleanup();
      socket.allowHalfOpen = true;
      resolve(build(socket));
    }
    function onClientSecure(): void {
      onSecure(client as tls.TLSSocket);
    }
    function onError(err: unknown, socket?: tls.TLSSocket): void {
      cleanup();
      (socket ?? client)?.destroy();
      plain.destroy();
      reject(err);
    }
    function onAbort(): void {
      onError((signal as AbortSignal).reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (options.kind === 'client') {
      // The name to verify: `servername` when given, else the peer's address (an IP, which
      // node:tls checks against the certificate's IP entries and never sends as SNI).
      const where = life.where;
      const o: tls.ConnectionOptions = { ...options.options, socket: plain };
      if (o.servername === undefined && 'address' in where) o.host = where.address;
      client = tls.connect(o);
      client.on('secureConnect', onClientSecure);
      client.on('error', onError);
    } else {
      // A tls.Server that never listens does the server side of the handshake, as for a TLS
      // listener: it wraps the socket, verifies client certificates and times out.
      server = tls.createServer({ ...options.serverOptions, allowHalfOpen: true });
      server.on('secureConnection', onSecure);
      server.on('tlsClientError', onError);
      server.emit('connection', plain);
    }
  });
}
