// Endpoints to and from the core's addresses.
import type { IpcAddress, SocketAddress, TcpAddress } from '../../core/index.js';
import { DnsEndPoint, IPEndPoint, UnixDomainSocketEndPoint, type EndPoint } from '../endpoints.js';
import { AddressFamily } from '../enums.js';
import { IPAddress } from '../ip-address.js';

/** Where the core connects or listens for an endpoint. */
export function toCoreAddress(ep: EndPoint): TcpAddress | IpcAddress {
  if (ep instanceof UnixDomainSocketEndPoint) return { path: ep.path };
  if (ep instanceof IPEndPoint) return { host: ep.address.toString(), port: ep.port };
  const dns = ep as DnsEndPoint;
  return { host: dns.host, port: dns.port };
}

/** The endpoint for an address the core reports. */
export function fromCoreAddress(a: SocketAddress): EndPoint | null {
  if ('path' in a)
    return a.path === '' ? UnixDomainSocketEndPoint.unnamed : new UnixDomainSocketEndPoint(a.path);
  const ip = IPAddress.tryParse(a.address);
  return ip === null ? null : new IPEndPoint(ip, a.port);
}

/** The address family of an address the core reports. */
export function familyOfCoreAddress(a: SocketAddress): AddressFamily {
  if ('path' in a) return AddressFamily.Unix;
  return a.family === 'IPv6' ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
}

/** `0.0.0.0`, `::` and their spellings: not a target address (.NET rejects them). */
export function isUnspecifiedHost(host: string): boolean {
  const ip = IPAddress.tryParse(host);
  return ip !== null && (ip.equals(IPAddress.Any) || ip.equals(IPAddress.IPv6Any));
}
