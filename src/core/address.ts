/**
 * Addresses: where to connect or listen, and where a socket is.
 *
 * @module
 */
import { BadPortError, InvalidArgTypeError, InvalidArgValueError } from './errors.js';
import { describe, validateObject } from './internal/validate.js';

/**
 * A TCP endpoint.
 *
 * @example
 * ```ts
 * const to: TcpAddress = { host: '::1', port: 7000 };
 * ```
 */
export interface TcpAddress {
  /**
   * A host name or an IPv4/IPv6 literal.
   * @defaultValue `'localhost'` to connect; all interfaces to listen.
   */
  host?: string;
  /** The port: 1–65535 to connect; 0–65535 to listen, where 0 picks a free port. */
  port: number;
}

/**
 * A Unix domain socket path.
 *
 * @example
 * ```ts
 * const to: IpcAddress = { path: '/run/app.sock' };
 * ```
 */
export interface IpcAddress {
  /**
   * Filesystem path of the socket: at most 107 bytes of UTF-8 on Linux, 103 on macOS and the
   * BSDs (the OS's `sun_path`, less its NUL). A longer one is `ERR_INVALID_ARG_VALUE`, never
   * cut short.
   */
  path: string;
}

/**
 * An IP endpoint a socket is bound or connected to.
 *
 * @example
 * ```ts
 * const a = conn.remoteAddress;
 * if ('address' in a) console.log(a.family, a.address, a.port);
 * ```
 */
export interface IpSocketAddress {
  /** The IP address, such as `'127.0.0.1'` or `'::1'`. */
  address: string;
  /** The port. */
  port: number;
  /** The address family. */
  family: 'IPv4' | 'IPv6';
}

/**
 * A Unix domain socket's path.
 *
 * @example
 * ```ts
 * const a = listener.address;
 * if ('path' in a) console.log('listening at', a.path);
 * ```
 */
export interface UnixSocketAddress {
  /** The socket's path (`''` for an unnamed end, such as a client's own). */
  path: string;
}

/**
 * Where a socket is: an IP endpoint, or a Unix socket path.
 *
 * @example
 * ```ts
 * const a = conn.remoteAddress;
 * console.log('path' in a ? a.path : `${a.address}:${a.port}`);
 * ```
 */
export type SocketAddress = IpSocketAddress | UnixSocketAddress;

export type Endpoint =
  { kind: 'tcp'; host: string | undefined; port: number } | { kind: 'ipc'; path: string };

/**
 * The longest Unix socket path in bytes: `sun_path` less its terminating NUL (108 bytes on
 * Linux, 104 on macOS and the BSDs). Windows named pipes have no such field.
 */
export const MAX_PATH_BYTES: number | undefined =
  process.platform === 'win32' ? undefined : process.platform === 'linux' ? 107 : 103;

/** Checks `to`/`on` and returns a normalized endpoint; throws synchronously on bad input. */
export function parseEndpoint(value: unknown, name: string, forConnect: boolean): Endpoint {
  validateObject(value, name);
  const v = value as { host?: unknown; port?: unknown; path?: unknown };
  if (v.path !== undefined) {
    if (typeof v.path !== 'string') {
      throw new InvalidArgTypeError(
        `The "${name}.path" property must be a string: received ${describe(v.path)}`,
      );
    }
    if (v.path.length === 0) {
      throw new InvalidArgValueError(`The "${name}.path" property must not be empty`);
    }
    if (v.port !== undefined || v.host !== undefined) {
      throw new InvalidArgValueError(
        `The "${name}" argument must have either "path" or "host"/"port", not both`,
      );
    }
    const bytes = Buffer.byteLength(v.path);
    if (MAX_PATH_BYTES !== undefined && bytes > MAX_PATH_BYTES) {
      // libuv would cut it to fit sun_path and silently reach another socket.
      throw new InvalidArgValueError(
        `The "${name}.path" property must be at most ${MAX_PATH_BYTES} bytes (the OS's limit ` +
          `for a Unix socket path): received ${bytes} bytes`,
      );
    }
    return { kind: 'ipc', path: v.path };
  }
  if (v.host !== undefined && typeof v.host !== 'string') {
    throw new InvalidArgTypeError(
      `The "${name}.host" property must be a string: received ${describe(v.host)}`,
    );
  }
  if (v.host === '') {
    throw new InvalidArgValueError(`The "${name}.host" property must not be empty`);
  }
  if (typeof v.port !== 'number') {
    throw new InvalidArgTypeError(
      `The "${name}.port" property must be a number: received ${describe(v.port)}`,
    );
  }
  const min = forConnect ? 1 : 0;
  if (!Number.isInteger(v.port) || v.port < min || v.port > 65535) {
    throw new BadPortError(
      `${name}.port should be >= ${min} and < 65536: received ${String(v.port)}`,
    );
  }
  return { kind: 'tcp', host: v.host, port: v.port };
}

/** `"host:port"` or the path, quoted style used in messages. */
export function formatAddress(a: SocketAddress | Endpoint | undefined): string {
  if (a === undefined) return 'socket';
  if ('path' in a) return a.path === '' ? 'unix socket' : a.path;
  if ('address' in a)
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  const host = a.host ?? 'localhost';
  return host.includes(':') ? `[${host}]:${a.port}` : `${host}:${a.port}`;
}

export function toSocketAddress(info: {
  address?: string | undefined;
  port?: number | undefined;
  family?: string | number | undefined;
}): SocketAddress | undefined {
  if (typeof info.address !== 'string' || typeof info.port !== 'number') return undefined;
  const family = info.family === 'IPv6' || info.family === 6 ? 'IPv6' : 'IPv4';
  return { address: info.address, port: info.port, family };
}
