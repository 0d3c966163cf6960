/**
 * `Connection.tls`: what a TLS handshake negotiated.
 *
 * @module
 */
import type * as tls from 'node:tls';

/**
 * What the TLS handshake of a connection negotiated: read-only, fixed once the connection
 * exists (sockflow connections are handed out after their handshake).
 *
 * @example
 * ```ts
 * const info = conn.tls;
 * if (info !== undefined) console.log(info.protocol, info.cipher.name, info.alpnProtocol);
 * ```
 */
export interface TlsInfo {
  /** `'TLSv1.3'`, `'TLSv1.2'`… */
  readonly protocol: string;
  /** The cipher suite: OpenSSL's name, the IETF name, and the protocol it came with. */
  readonly cipher: Readonly<tls.CipherNameAndProtocol>;
  /** The ALPN protocol both sides chose, or `undefined` when none was negotiated. */
  readonly alpnProtocol: string | undefined;
  /**
   * The peer's certificate, or `undefined` when it sent none (a client, unless the server
   * asked with `requestCert`). Made into an object on first access (it costs about as much
   * as the rest of the handshake's JavaScript), so read it while the connection is open:
   * once closed, a certificate never read is `undefined`, as node:tls's
   * `getPeerCertificate()` is after `destroy()`.
   */
  readonly peerCertificate: Readonly<tls.PeerCertificate> | undefined;
  /**
   * Whether the peer's certificate was verified: always `true` on a client with verification
   * on (it would not have connected otherwise); on a server with `requestCert`, whether the
   * client's certificate chains to `ca`.
   */
  readonly authorized: boolean;
  /** Why the peer's certificate was not verified (`'DEPTH_ZERO_SELF_SIGNED_CERT'`…), if not. */
  readonly authorizationError: string | undefined;
  /** The server name the client asked for (SNI), if any. */
  readonly servername: string | undefined;
}

/** Reads what the handshake of `socket` negotiated (call once, after the handshake). */
export function tlsInfoOf(socket: tls.TLSSocket): TlsInfo {
  const alpn = socket.alpnProtocol;
  const sni = (socket as { servername?: unknown }).servername;
  const authError = socket.authorizationError as unknown;
  const reason = authError instanceof Error ? authError.message : authError;
  let cert: Readonly<tls.PeerCertificate> | null | undefined = null;
  const info = {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: Object.freeze(socket.getCipher()), // a fresh object each call: ours to freeze
    alpnProtocol: typeof alpn === 'string' ? alpn : undefined,
    get peerCertificate(): Readonly<tls.PeerCertificate> | undefined {
      if (cert === null) {
        // Not read yet: read it now if the socket can still say (`{}` means none was sent).
        if (socket.destroyed) return undefined;
        const c = socket.getPeerCertificate(false) as tls.PeerCertificate | null;
        cert = c !== null && Object.keys(c).length > 0 ? Object.freeze(c) : undefined;
      }
      return cert;
    },
    authorized: socket.authorized,
    authorizationError: typeof reason === 'string' ? reason : undefined,
    servername: typeof sni === 'string' ? sni : undefined,
  };
  return Object.freeze(info);
}
