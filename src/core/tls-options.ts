/**
 * TLS options: what `connect(to, { tls })`, `listen(on, { tls })` and `startTls()` take, their
 * checks, and their translation to `node:tls`.
 *
 * @module
 */
import * as tls from 'node:tls';
import { InvalidArgTypeError } from './errors.js';
import { clientContext } from './tls-contexts.js';
import { describe, validateBoolean, validateInteger } from './internal/validate.js';

/**
 * PEM text or DER/PEM bytes, or a list of them (a chain, or several trusted roots).
 *
 * @example
 * ```ts
 * const ca: TlsCredential = [readFileSync('root-a.pem'), readFileSync('root-b.pem')];
 * ```
 */
export type TlsCredential = string | Uint8Array | readonly (string | Uint8Array)[];

/**
 * The client side of TLS: `connect(to, { tls })`, or `startTls()` without `isServer`.
 *
 * Verification is on by default: the server's certificate must chain to a trusted root
 * (Node's bundled roots, or `ca` when given) and name the host (`servername`, else the host
 * connected to). A failure rejects with Node's code (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
 * `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, `CERT_HAS_EXPIRED`…).
 *
 * Connections whose `ca`, `cert`, `key`, `minVersion` and `maxVersion` hold the same bytes share
 * one OpenSSL context instead of parsing them again (the last 16 are kept; docs/tls.md).
 *
 * @example
 * ```ts
 * const conn = await connect(
 *   { host: 'db.internal', port: 5433 },
 *   { tls: { ca: readFileSync('internal-ca.pem'), alpnProtocols: ['postgresql'] } },
 * );
 * ```
 */
export interface TlsClientOptions {
  /**
   * The name sent in SNI and checked against the certificate. Defaults to the host connected
   * to (not sent for IP addresses, which are checked against the certificate's IP entries).
   * For `startTls()` on a Unix socket or after `listen()`, there is no host: give it.
   */
  servername?: string;
  /** Trusted roots, replacing Node's bundled ones. */
  ca?: TlsCredential;
  /** A client certificate (chain), for servers that ask for one (mutual TLS). */
  cert?: TlsCredential;
  /** The private key of `cert`. */
  key?: TlsCredential;
  /** ALPN protocols to offer, most preferred first (`['h2', 'http/1.1']`). */
  alpnProtocols?: readonly string[];
  /**
   * `false` turns certificate and host-name verification off. **Unsafe**: anyone on the path
   * can then impersonate the server. For tests against self-signed servers, give `ca` instead.
   * @defaultValue `true`
   */
  rejectUnauthorized?: boolean;
  /** The lowest protocol version accepted. @defaultValue Node's (`'TLSv1.2'`) */
  minVersion?: tls.SecureVersion;
  /** The highest protocol version offered. @defaultValue Node's (`'TLSv1.3'`) */
  maxVersion?: tls.SecureVersion;
}

/**
 * The server side of TLS: `listen(on, { tls })`, or `startTls({ isServer: true, … })`.
 *
 * @example
 * ```ts
 * const listener = await listen(
 *   { port: 8443 },
 *   { tls: { key: readFileSync('server.key'), cert: readFileSync('server.crt') } },
 * );
 * ```
 */
export interface TlsServerOptions {
  /** The server's private key. */
  key: TlsCredential;
  /** The server's certificate (chain). */
  cert: TlsCredential;
  /** Roots trusted for client certificates (with `requestCert`). */
  ca?: TlsCredential;
  /**
   * Ask clients for a certificate. Clients without a valid one (chaining to `ca`) fail the
   * handshake unless `rejectUnauthorized` is `false`.
   * @defaultValue `false`
   */
  requestCert?: boolean;
  /**
   * With `requestCert`: `false` lets clients without a valid certificate in (check
   * `conn.tls.authorized` yourself).
   * @defaultValue `true`
   */
  rejectUnauthorized?: boolean;
  /** ALPN protocols the server speaks, most preferred first. */
  alpnProtocols?: readonly string[];
  /** The lowest protocol version accepted. @defaultValue Node's (`'TLSv1.2'`) */
  minVersion?: tls.SecureVersion;
  /** The highest protocol version accepted. @defaultValue Node's (`'TLSv1.3'`) */
  maxVersion?: tls.SecureVersion;
  /**
   * Milliseconds a client may take to complete its handshake; a slower one is dropped and
   * counted in `Listener.handshakeFailures`. Bounds what a client that connects and says
   * nothing costs. At least 1.
   * @defaultValue `30000` ({@link DEFAULT_HANDSHAKE_TIMEOUT_MS})
   */
  handshakeTimeout?: number;
}

/**
 * `startTls()` as the client (the default).
 *
 * @example
 * ```ts
 * const secure = await conn.startTls({ servername: 'mail.example.com' });
 * ```
 */
export interface StartTlsClientOptions extends TlsClientOptions {
  /** The client side: `false` or absent. */
  isServer?: false;
}

/**
 * `startTls()` as the server.
 *
 * @example
 * ```ts
 * const secure = await conn.startTls({ isServer: true, key, cert });
 * ```
 */
export interface StartTlsServerOptions extends TlsServerOptions {
  /** The server side: this end presents `cert`. */
  isServer: true;
}

/**
 * What `startTls()` takes: the client side by default, or the server side with
 * `isServer: true`.
 *
 * @example
 * ```ts
 * const options: StartTlsOptions = { isServer: true, key, cert };
 * const secure = await conn.startTls(options);
 * ```
 */
export type StartTlsOptions = StartTlsClientOptions | StartTlsServerOptions;

/**
 * Default of {@link TlsServerOptions.handshakeTimeout}.
 *
 * @example
 * ```ts
 * await listen({ port: 0 }, { tls: { key, cert, handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT_MS / 3 } });
 * ```
 */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

const VERSIONS: ReadonlySet<string> = new Set(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

type Credential = string | Buffer | (string | Buffer)[];

/** Resolved client options: `node:tls`'s connect options (without the socket or address). */
export interface ResolvedTlsClient {
  kind: 'client';
  options: tls.ConnectionOptions;
}

/** Resolved server options: what a `tls.Server` takes (it makes the shared secure context). */
export interface ResolvedTlsServer {
  kind: 'server';
  serverOptions: tls.TlsOptions;
}

function credential(value: unknown, name: string, required: boolean): Credential | undefined {
  if (value === undefined && !required) return undefined;
  const one = (v: unknown): string | Buffer | undefined => {
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return undefined;
  };
  if (Array.isArray(value)) {
    const out: (string | Buffer)[] = [];
    for (const v of value) {
      const c = one(v);
      if (c === undefined) break;
      out.push(c);
    }
    if (out.length === value.length && out.length > 0) return out;
  } else {
    const c = one(value);
    if (c !== undefined) return c;
  }
  throw new InvalidArgTypeError(
    `The "tls.${name}" option must be a string, a Uint8Array or a non-empty array of them: ` +
      `received ${describe(value)}`,
  );
}

function alpnOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    Array.isArray(value) &&
    value.every((p) => typeof p === 'string' && p.length > 0 && p.length < 256)
  ) {
    return [...(value as string[])];
  }
  throw new InvalidArgTypeError(
    `The "tls.alpnProtocols" option must be an array of non-empty strings: received ${describe(value)}`,
  );
}

function versionOf(value: unknown, name: string): tls.SecureVersion | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && VERSIONS.has(value)) return value as tls.SecureVersion;
  throw new InvalidArgTypeError(
    `The "tls.${name}" option must be one of 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3': ` +
      `received ${describe(value)}`,
  );
}

function optionsObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgTypeError(
      `The "tls" option must be an object: received ${describe(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Checks client options and translates them for `tls.connect()`. Throws for bad ones. */
export function resolveTlsClient(value: unknown): ResolvedTlsClient {
  const o = optionsObject(value);
  const options: tls.ConnectionOptions = {};
  if (o.servername !== undefined) {
    if (typeof o.servername !== 'string') {
      throw new InvalidArgTypeError(
        `The "tls.servername" option must be a string: received ${describe(o.servername)}`,
      );
    }
    options.servername = o.servername;
  }
  const ca = credential(o.ca, 'ca', false);
  if (ca !== undefined) options.ca = ca;
  const cert = credential(o.cert, 'cert', false);
  if (cert !== undefined) options.cert = cert;
  const key = credential(o.key, 'key', false);
  if (key !== undefined) options.key = key;
  const alpn = alpnOf(o.alpnProtocols);
  if (alpn !== undefined) options.ALPNProtocols = alpn;
  options.rejectUnauthorized =
    o.rejectUnauthorized === undefined
      ? true
      : validateBoolean(o.rejectUnauthorized, 'tls.rejectUnauthorized');
  const min = versionOf(o.minVersion, 'minVersion');
  if (min !== undefined) options.minVersion = min;
  const max = versionOf(o.maxVersion, 'maxVersion');
  if (max !== undefined) options.maxVersion = max;
  // Bad key or certificate bytes are bad input too: find out now, before any I/O. A context
  // made of the same bytes before is shared (see tls-contexts.ts).
  options.secureContext = clientContext({ ca, cert, key, minVersion: min, maxVersion: max });
  return { kind: 'client', options };
}

/** Checks server options (the key and certificate too). Throws for bad ones. */
export function resolveTlsServer(value: unknown): ResolvedTlsServer {
  const o = optionsObject(value);
  const key = credential(o.key, 'key', true) as Credential;
  const cert = credential(o.cert, 'cert', true) as Credential;
  const ca = credential(o.ca, 'ca', false);
  const minVersion = versionOf(o.minVersion, 'minVersion');
  const maxVersion = versionOf(o.maxVersion, 'maxVersion');
  const serverOptions: tls.TlsOptions = { key: key, cert };
  if (ca !== undefined) serverOptions.ca = ca;
  if (minVersion !== undefined) serverOptions.minVersion = minVersion;
  if (maxVersion !== undefined) serverOptions.maxVersion = maxVersion;
  const requestCert =
    o.requestCert === undefined ? false : validateBoolean(o.requestCert, 'tls.requestCert');
  const rejectUnauthorized =
    o.rejectUnauthorized === undefined
      ? true
      : validateBoolean(o.rejectUnauthorized, 'tls.rejectUnauthorized');
  const alpn = alpnOf(o.alpnProtocols);
  const handshakeTimeout =
    o.handshakeTimeout === undefined
      ? DEFAULT_HANDSHAKE_TIMEOUT_MS
      : validateInteger(o.handshakeTimeout, 'tls.handshakeTimeout', 1, 2 ** 31 - 1);
  // Bad key or certificate bytes are bad input too: find out now, before any I/O.
  tls.createSecureContext(serverOptions);
  serverOptions.requestCert = requestCert;
  serverOptions.rejectUnauthorized = rejectUnauthorized;
  if (alpn !== undefined) serverOptions.ALPNProtocols = alpn;
  serverOptions.handshakeTimeout = handshakeTimeout;
  return { kind: 'server', serverOptions };
}

/** Checks `startTls()`'s options: the client side unless `isServer` is `true`. */
export function resolveStartTls(value: unknown): ResolvedTlsClient | ResolvedTlsServer {
  if (value === undefined) return resolveTlsClient({});
  const o = optionsObject(value);
  if (o.isServer !== undefined && validateBoolean(o.isServer, 'tls.isServer')) {
    return resolveTlsServer(o);
  }
  return resolveTlsClient(o);
}
