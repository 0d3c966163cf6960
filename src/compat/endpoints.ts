/**
 * Endpoints: where a socket connects, binds or is (.NET's `EndPoint`, `IPEndPoint`,
 * `DnsEndPoint`, `UnixDomainSocketEndPoint`).
 *
 * @module
 */
import { AddressFamily } from './enums.js';
import {
  ArgumentException,
  ArgumentNullException,
  ArgumentOutOfRangeException,
} from './exceptions.js';
import { IPAddress } from './ip-address.js';
import { Messages } from './internal/messages.js';

/**
 * What every endpoint is: something with an address family.
 *
 * @example
 * ```ts
 * function describe(ep: EndPoint): string {
 *   return `${AddressFamily[ep.addressFamily]} ${ep}`;
 * }
 * ```
 */
export abstract class EndPoint {
  /**
   * The address family of this endpoint.
   *
   * @example
   * ```ts
   * if (ep.addressFamily === AddressFamily.InterNetworkV6) console.log('IPv6');
   * ```
   */
  abstract get addressFamily(): AddressFamily;

  /**
   * The endpoint as text, as .NET writes it.
   *
   * @example
   * ```ts
   * console.log(`${ep}`); // '127.0.0.1:7000', '[::1]:7000', 'Unspecified/example.com:80'…
   * ```
   */
  abstract toString(): string;
}

function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ArgumentOutOfRangeException('port', undefined, port);
  }
  return port;
}

/**
 * An IP address and port.
 *
 * @example
 * ```ts
 * socket.bind(new IPEndPoint(IPAddress.Loopback, 0));
 * const to = new IPEndPoint('::1', 7000); // a string is parsed with IPAddress.parse
 * ```
 */
export class IPEndPoint extends EndPoint {
  /** The address. */
  readonly address: IPAddress;
  /** The port, 0–65535. */
  readonly port: number;

  /**
   * @param address - an `IPAddress`, or an IP literal to parse.
   * @param port - 0–65535.
   * @throws {@link ArgumentNullException} for a missing address;
   *   {@link ArgumentOutOfRangeException} for a bad port; `FormatException` for a bad literal.
   */
  constructor(address: IPAddress | string, port: number) {
    super();
    if (address === null || address === undefined) throw new ArgumentNullException('address');
    this.address = address instanceof IPAddress ? address : IPAddress.parse(address);
    this.port = checkPort(port);
  }

  /**
   * The address's family.
   *
   * @example
   * ```ts
   * new IPEndPoint('::1', 80).addressFamily; // AddressFamily.InterNetworkV6
   * ```
   */
  override get addressFamily(): AddressFamily {
    return this.address.addressFamily;
  }

  /**
   * True for the same address and port.
   *
   * @example
   * ```ts
   * new IPEndPoint('127.0.0.1', 80).equals(new IPEndPoint(IPAddress.Loopback, 80)); // true
   * ```
   */
  equals(other: unknown): boolean {
    return (
      other instanceof IPEndPoint && other.port === this.port && other.address.equals(this.address)
    );
  }

  /**
   * `127.0.0.1:80`, or `[::1]:80` for IPv6.
   *
   * @example
   * ```ts
   * console.log(`listening on ${socket.localEndPoint}`);
   * ```
   */
  override toString(): string {
    return this.address.addressFamily === AddressFamily.InterNetworkV6
      ? `[${this.address.toString()}]:${this.port}`
      : `${this.address.toString()}:${this.port}`;
  }
}

/**
 * A host name and port, resolved when connecting. `addressFamily` restricts the resolution
 * (`Unspecified`: either IP family).
 *
 * @example
 * ```ts
 * e.remoteEndPoint = new DnsEndPoint('localhost', 7000);
 * ```
 */
export class DnsEndPoint extends EndPoint {
  /** The host name (or an IP literal). */
  readonly host: string;
  /** The port, 0–65535. */
  readonly port: number;
  readonly #family: AddressFamily;

  /**
   * @param host - a host name or IP literal; not empty.
   * @param port - 0–65535.
   * @param addressFamily - `Unspecified` (the default), `InterNetwork` or `InterNetworkV6`.
   * @throws {@link ArgumentNullException} / {@link ArgumentException} for a missing or
   *   empty host; {@link ArgumentOutOfRangeException} for a bad port; {@link ArgumentException}
   *   for another address family.
   */
  constructor(
    host: string,
    port: number,
    addressFamily: AddressFamily = AddressFamily.Unspecified,
  ) {
    super();
    if (host === null || host === undefined) throw new ArgumentNullException('host');
    if (typeof host !== 'string' || host.length === 0) {
      throw new ArgumentException(Messages.emptyHost, 'host');
    }
    if (
      addressFamily !== AddressFamily.Unspecified &&
      addressFamily !== AddressFamily.InterNetwork &&
      addressFamily !== AddressFamily.InterNetworkV6
    ) {
      throw new ArgumentException(
        "The specified value is not valid in the 'AddressFamily' enumeration.",
        'addressFamily',
      );
    }
    this.host = host;
    this.port = checkPort(port);
    this.#family = addressFamily;
  }

  /**
   * `Unspecified`, `InterNetwork` or `InterNetworkV6`.
   *
   * @example
   * ```ts
   * new DnsEndPoint('localhost', 80).addressFamily; // AddressFamily.Unspecified
   * ```
   */
  override get addressFamily(): AddressFamily {
    return this.#family;
  }

  /**
   * `Unspecified/example.com:80`, as .NET writes it.
   *
   * @example
   * ```ts
   * `${new DnsEndPoint('example.com', 80)}`; // 'Unspecified/example.com:80'
   * ```
   */
  override toString(): string {
    return `${AddressFamily[this.#family]}/${this.host}:${this.port}`;
  }
}

/**
 * A Unix domain socket path (.NET's `UnixDomainSocketEndPoint`), for
 * `new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)`.
 *
 * @example
 * ```ts
 * server.bind(new UnixDomainSocketEndPoint('/tmp/app.sock'));
 * ```
 */
export class UnixDomainSocketEndPoint extends EndPoint {
  /** The socket's filesystem path (`''` for an unnamed end). */
  readonly path: string;

  /**
   * @param path - the socket path; not empty.
   * @throws {@link ArgumentNullException} / {@link ArgumentException}.
   */
  constructor(path: string) {
    super();
    if (path === null || path === undefined) throw new ArgumentNullException('path');
    if (typeof path !== 'string' || path.length === 0) {
      throw new ArgumentException(Messages.emptyPath, 'path');
    }
    this.path = path;
  }

  /**
   * Always `AddressFamily.Unix`.
   *
   * @example
   * ```ts
   * new UnixDomainSocketEndPoint('/tmp/a.sock').addressFamily; // AddressFamily.Unix
   * ```
   */
  override get addressFamily(): AddressFamily {
    return AddressFamily.Unix;
  }

  /**
   * The path.
   *
   * @example
   * ```ts
   * console.log(`${new UnixDomainSocketEndPoint('/tmp/app.sock')}`);
   * ```
   */
  override toString(): string {
    return this.path;
  }

  /** @internal An unnamed end (a client's own address). */
  static readonly unnamed: UnixDomainSocketEndPoint = Object.assign(
    Object.create(UnixDomainSocketEndPoint.prototype) as UnixDomainSocketEndPoint,
    { path: '' },
  );
}
