// .NET's exception messages, as data: quoted from System.Net.Sockets' and System.Private.
// CoreLib's resource strings (docs/compat-conformance.md cites where each is checked), so
// tests can assert on them and a port's log lines read the same. sockflow's own wording (for
// what .NET has no message for) is marked as such.
export const Messages = {
  /** `SocketAsyncEventArgs` in use by another operation (B7, B8). */
  inProgress:
    'An asynchronous socket operation is already in progress using this SocketAsyncEventArgs instance.',
  /** `buffer` and `bufferList` both set (B2, B5). */
  bufferAndList: 'Buffer and BufferList properties cannot both be non-null.',
  /** `setBuffer(offset, count)` after the memory overload (B3). */
  notFromArray:
    'This operation may only be performed when the buffer was set using the SetBuffer overload that accepts an array.',
  /** A `bufferList` given to an operation that takes one buffer (B6). */
  multipleBuffers: 'Multiple buffers cannot be used with this method.',
  /** connect on a listening socket (C9). */
  afterListen: 'You may not perform this operation after calling the Listen method.',
  /** accept before bind (C13). */
  mustBind: 'You must call the Bind method before performing this operation.',
  /** accept before listen (C13). */
  mustListen: 'You must call the Listen method before performing this operation.',
  /** accept into a socket already used (B15). */
  acceptSocketUsed: 'AcceptSocket: The socket must not be bound or connected.',
  /** accept with a buffer too small for .NET's address blocks (C13, Windows). */
  acceptBufferSmall:
    'The Buffer space specified by the Count property is insufficient for the AcceptAsync method.',
  /** accept with a buffer, on Linux (C13). */
  acceptReceive:
    'This platform does not support receiving data with Socket.AcceptAsync.  Instead, make a separate call to Socket.ReceiveAsync.',
  /** connect to an endpoint of another family (C9). */
  protocolVersion: 'This protocol version is not supported.',
  /** connect to `0.0.0.0` or `::` (C9). */
  unspecifiedTarget:
    'IPv4 address 0.0.0.0 and IPv6 address ::0 are unspecified addresses that cannot be used as a target address.',
  /** bind or sendTo with a `DnsEndPoint` (B13). */
  noDnsEndPoint: 'The parameter remoteEP must not be of type DnsEndPoint.',
  /** static connect or sendTo/receiveFrom without `remoteEndPoint` (B13). */
  nullRemote: 'Null is not a valid value for e.RemoteEndPoint.',
  /** A disposed object (A6). */
  disposed: (objectName: string): string =>
    `Cannot access a disposed object.\nObject name: '${objectName}'.`,
  /** `ArgumentNullException`'s default. */
  valueNull: 'Value cannot be null.',
  /** `ArgumentOutOfRangeException`'s default. */
  outOfRange: 'Specified argument was out of the range of valid values.',
  /** A negative offset or count (`ArraySegment`). */
  nonNegative: 'Non-negative number required.',
  /** An `ArraySegment` range past the array's end. */
  segmentBounds:
    'Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.',
  /** An empty host name (`DnsEndPoint`). */
  emptyHost: 'The value cannot be an empty string.',
  /** An empty path (`UnixDomainSocketEndPoint`). */
  emptyPath: 'The path cannot be empty.',
  /** `IPAddress.parse` of something that is not an address. */
  invalidIp: 'An invalid IP address was specified.',
  /** `SocketAsyncEventArgsPool.pop()` on an empty pool (the sample's `Stack<T>`). */
  stackEmpty: 'Stack empty.',
  /** sockflow's: a buffer that is not a Uint8Array. */
  notBytes: 'The buffer must be a Uint8Array.',
  /** sockflow's: an `ArraySegment` over something that is not a Uint8Array. */
  arrayNotBytes: 'The array must be a Uint8Array.',
  /** sockflow's: a buffer list that is not an array. */
  listNotArray: 'The buffer list must be an array.',
  /** sockflow's: a Unix datagram socket (Node has none). */
  noUnixDatagrams:
    'Unix datagram sockets are not supported: Node has none. Use SocketType.Stream, or UDP.',
  /** sockflow's: sendToAsync or receiveFromAsync on a stream socket. */
  streamSendTo:
    'sendToAsync and receiveFromAsync are for datagram sockets (SocketType.Dgram) in sockflow/compat: use sendAsync and receiveAsync on a stream socket.',
  /** receiveFrom with an endpoint of another family (.NET's net_InvalidEndPointAddressFamily). */
  endPointFamily: (given: string, wanted: string): string =>
    `The supplied EndPoint of AddressFamily ${given} is not valid for this Socket, use ${wanted} instead.`,
  /** sockflow's: connect after bind (Node cannot connect from a chosen local endpoint). */
  connectAfterBind:
    'sockflow/compat cannot connect from a bound local endpoint: connect without bind.',
} as const;

/** .NET's type names, as `ObjectDisposedException.objectName` gives them. */
export const ObjectNames = {
  socket: 'System.Net.Sockets.Socket',
  eventArgs: 'System.Net.Sockets.SocketAsyncEventArgs',
} as const;
