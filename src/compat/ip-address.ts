/**
 * `IPAddress`: an IPv4 or IPv6 address, as .NET's `System.Net.IPAddress`.
 *
 * @module
 */
import { SocketAddress as NodeSocketAddress, isIP } from 'node:net';
import { AddressFamily } from './enums.js';
import { ArgumentNullException, FormatException } from './exceptions.js';
import { Messages } from './internal/messages.js';

/**
 * An IPv4 or IPv6 address. Immutable; compare with `equals()`.
 *
 * @example
 * ```ts
 * const ep = new IPEndPoint(IPAddress.Loopback, 7000);
 * const v6 = IPAddress.parse('::1');
 * console.log(v6.addressFamily === AddressFamily.InterNetworkV6, `${v6}`); // true '::1'
 * ```
 */
export class IPAddress {
  /** `0.0.0.0`: every IPv4 interface (to bind). */
  static readonly Any: IPAddress = new IPAddress('0.0.0.0', AddressFamily.InterNetwork);
  /** `127.0.0.1`. */
  static readonly Loopback: IPAddress = new IPAddress('127.0.0.1', AddressFamily.InterNetwork);
  /** `255.255.255.255`. */
  static readonly Broadcast: IPAddress = new IPAddress(
    '255.255.255.255',
    AddressFamily.InterNetwork,
  );
  /** `255.255.255.255`, .NET's "no address" (same as `Broadcast`). */
  static readonly None: IPAddress = IPAddress.Broadcast;
  /** `::`: every IPv6 interface (to bind). */
  static readonly IPv6Any: IPAddress = new IPAddress('::', AddressFamily.InterNetworkV6);
  /** `::1`. */
  static readonly IPv6Loopback: IPAddress = new IPAddress('::1', AddressFamily.InterNetworkV6);
  /** `::`, .NET's "no IPv6 address" (same as `IPv6Any`). */
  static readonly IPv6None: IPAddress = IPAddress.IPv6Any;

  readonly #text: string;
  /** `AddressFamily.InterNetwork` or `AddressFamily.InterNetworkV6`. */
  readonly addressFamily: AddressFamily;

  private constructor(text: string, family: AddressFamily) {
    this.#text = text;
    this.addressFamily = family;
  }

  /**
   * Parses an IPv4 (dotted quad) or IPv6 literal; IPv6 is normalized (`0:0::1` → `::1`)
   * and keeps a `%scope` suffix.
   *
   * @throws {@link ArgumentNullException} for `null`; {@link FormatException} when `text`
   *   is not an IP address.
   *
   * @example
   * ```ts
   * IPAddress.parse('127.0.0.1').equals(IPAddress.Loopback); // true
   * ```
   */
  static parse(text: string): IPAddress {
    const a = IPAddress.tryParse(text);
    if (a === null) {
      if (text === null || text === undefined) throw new ArgumentNullException('ipString');
      throw new FormatException(Messages.invalidIp);
    }
    return a;
  }

  /**
   * Like `parse`, but returns `null` instead of throwing.
   *
   * @example
   * ```ts
   * const a = IPAddress.tryParse(input) ?? IPAddress.Loopback;
   * ```
   */
  static tryParse(text: string): IPAddress | null {
    if (typeof text !== 'string') return null;
    const kind = isIP(text);
    if (kind === 4) return new IPAddress(text, AddressFamily.InterNetwork);
    if (kind !== 6) return null;
    const scope = text.indexOf('%');
    const bare = scope < 0 ? text : text.slice(0, scope);
    const normal = new NodeSocketAddress({ address: bare, family: 'ipv6' }).address;
    return new IPAddress(
      scope < 0 ? normal : normal + text.slice(scope),
      AddressFamily.InterNetworkV6,
    );
  }

  /**
   * True for `127.0.0.0/8` and `::1`.
   *
   * @example
   * ```ts
   * IPAddress.isLoopback(IPAddress.parse('127.0.0.2')); // true
   * ```
   */
  static isLoopback(address: IPAddress): boolean {
    if (address === null || address === undefined) throw new ArgumentNullException('address');
    return address.addressFamily === AddressFamily.InterNetwork
      ? address.#text.startsWith('127.')
      : address.#text === '::1';
  }

  /**
   * True when both are the same address.
   *
   * @example
   * ```ts
   * IPAddress.parse('0:0::1').equals(IPAddress.IPv6Loopback); // true
   * ```
   */
  equals(other: unknown): boolean {
    return other instanceof IPAddress && other.#text === this.#text;
  }

  /**
   * The address as text: dotted quad, or normalized IPv6 (without brackets).
   *
   * @example
   * ```ts
   * `${IPAddress.IPv6Loopback}`; // '::1'
   * ```
   */
  toString(): string {
    return this.#text;
  }
}
