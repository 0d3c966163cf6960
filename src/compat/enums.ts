/**
 * The small enumerations of .NET's `System.Net.Sockets`, with .NET's numeric values, so
 * ported code that stores, compares or logs them keeps working.
 *
 * @module
 */

/**
 * Which directions `Socket.shutdown()` closes (.NET's `SocketShutdown`).
 *
 * @example
 * ```ts
 * socket.shutdown(SocketShutdown.Send); // FIN: we are done sending
 * ```
 */
export enum SocketShutdown {
  /** Stop receiving (Linux `SHUT_RD`: receives return 0 once the buffered bytes are read). */
  Receive = 0,
  /** Stop sending: the peer gets a FIN after the bytes already sent. */
  Send = 1,
  /** Both. */
  Both = 2,
}

/**
 * The kind of operation a `SocketAsyncEventArgs` ran last (.NET's `SocketAsyncOperation`).
 * `lastOperation` is set when an operation starts.
 *
 * @example
 * ```ts
 * e.on('completed', (_s, args) => {
 *   if (args.lastOperation === SocketAsyncOperation.Receive) onReceived(args);
 * });
 * ```
 */
export enum SocketAsyncOperation {
  /** No operation yet. */
  None = 0,
  /** `acceptAsync`. */
  Accept = 1,
  /** `connectAsync` (instance or static). */
  Connect = 2,
  /** `disconnectAsync`. */
  Disconnect = 3,
  /** `receiveAsync`. */
  Receive = 4,
  /** `receiveFromAsync` (datagram sockets). */
  ReceiveFrom = 5,
  /** `receiveMessageFromAsync` (not in sockflow/compat). */
  ReceiveMessageFrom = 6,
  /** `sendAsync`. */
  Send = 7,
  /** `sendPacketsAsync` (not in sockflow/compat). */
  SendPackets = 8,
  /** `sendToAsync` (datagram sockets). */
  SendTo = 9,
}

/**
 * Flags of a send or receive (.NET's `SocketFlags`). sockflow/compat honours `None`, `Peek`
 * on receives and `DontRoute` on sends (sent normally: loopback and local networks are
 * routed directly anyway); any other flag completes the operation with
 * `SocketError.OperationNotSupported`. After every operation `socketFlags` is `None`.
 *
 * @example
 * ```ts
 * e.socketFlags = SocketFlags.Peek; // look at the next bytes without consuming them
 * socket.receiveAsync(e);
 * ```
 */
export enum SocketFlags {
  /** No flags. */
  None = 0,
  /** Urgent (out-of-band) data: not supported over Node. */
  OutOfBand = 0x1,
  /** Copy the bytes without consuming them. */
  Peek = 0x2,
  /** Send without routing. */
  DontRoute = 0x4,
  /** A datagram was larger than the buffer and was truncated. */
  Truncated = 0x100,
  /** Control data did not fit. */
  ControlDataTruncated = 0x200,
  /** A broadcast datagram. */
  Broadcast = 0x400,
  /** A multicast datagram. */
  Multicast = 0x800,
  /** A partial send or receive. */
  Partial = 0x8000,
}

/**
 * Address families (.NET's `AddressFamily`), the ones a Node socket can have.
 *
 * @example
 * ```ts
 * const s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
 * ```
 */
export enum AddressFamily {
  /** Unknown. */
  Unknown = -1,
  /** Not specified: a `DnsEndPoint` that may resolve to either IP family. */
  Unspecified = 0,
  /** Unix domain sockets. */
  Unix = 1,
  /** IPv4. */
  InterNetwork = 2,
  /** IPv6. */
  InterNetworkV6 = 23,
}

/**
 * Socket types (.NET's `SocketType`). sockflow/compat supports `Stream`; `Dgram` sockets come
 * with datagram support.
 *
 * @example
 * ```ts
 * const s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
 * ```
 */
export enum SocketType {
  /** Unknown. */
  Unknown = -1,
  /** A reliable, ordered byte stream (TCP, or a Unix stream socket). */
  Stream = 1,
  /** Datagrams (UDP). */
  Dgram = 2,
  /** Raw packets. */
  Raw = 3,
  /** Reliably delivered messages. */
  Rdm = 4,
  /** Sequenced packets. */
  Seqpacket = 5,
}

/**
 * Protocols (.NET's `ProtocolType`), the ones that matter to a Node socket. .NET's `IP`
 * (0) has the same value as `Unspecified`.
 *
 * @example
 * ```ts
 * const s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
 * ```
 */
export enum ProtocolType {
  /** Unknown. */
  Unknown = -1,
  /** Not specified (the default protocol of the socket type; Unix sockets use it). */
  Unspecified = 0,
  /**
   * .NET's other name for 0 (`ProtocolType.IP`), the one its `ToString()` gives:
   * `ProtocolType[0]` is `'IP'` here too.
   */
  // eslint-disable-next-line @typescript-eslint/no-duplicate-enum-values -- .NET's enum has both
  IP = 0,
  /** ICMP. */
  Icmp = 1,
  /** TCP. */
  Tcp = 6,
  /** UDP. */
  Udp = 17,
  /** IPv6 header. */
  IPv6 = 41,
  /** ICMPv6. */
  IcmpV6 = 58,
  /** Raw IP packets. */
  Raw = 255,
}
