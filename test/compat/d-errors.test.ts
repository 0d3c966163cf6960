// Section D of the SAEA conformance reference: SocketError's values and the mapping from
// Node's error codes (table-driven), plus the exception types.
import { describe, expect, it } from 'vitest';
import {
  ArgumentException,
  ArgumentNullException,
  ArgumentOutOfRangeException,
  FormatException,
  InvalidOperationException,
  NotSupportedException,
  ObjectDisposedException,
  PlatformNotSupportedException,
  SocketError,
  SocketException,
  toSocketError,
} from '../../src/compat/index.js';

describe('D: SocketError and the errno mapping', () => {
  it("D1: SocketError has all 47 members with .NET's values", () => {
    const values: Record<string, number> = {
      Success: 0,
      SocketError: -1,
      OperationAborted: 995,
      IOPending: 997,
      Interrupted: 10004,
      AccessDenied: 10013,
      Fault: 10014,
      InvalidArgument: 10022,
      TooManyOpenSockets: 10024,
      WouldBlock: 10035,
      InProgress: 10036,
      AlreadyInProgress: 10037,
      NotSocket: 10038,
      DestinationAddressRequired: 10039,
      MessageSize: 10040,
      ProtocolType: 10041,
      ProtocolOption: 10042,
      ProtocolNotSupported: 10043,
      SocketNotSupported: 10044,
      OperationNotSupported: 10045,
      ProtocolFamilyNotSupported: 10046,
      AddressFamilyNotSupported: 10047,
      AddressAlreadyInUse: 10048,
      AddressNotAvailable: 10049,
      NetworkDown: 10050,
      NetworkUnreachable: 10051,
      NetworkReset: 10052,
      ConnectionAborted: 10053,
      ConnectionReset: 10054,
      NoBufferSpaceAvailable: 10055,
      IsConnected: 10056,
      NotConnected: 10057,
      Shutdown: 10058,
      TimedOut: 10060,
      ConnectionRefused: 10061,
      HostDown: 10064,
      HostUnreachable: 10065,
      ProcessLimit: 10067,
      SystemNotReady: 10091,
      VersionNotSupported: 10092,
      NotInitialized: 10093,
      Disconnecting: 10101,
      TypeNotFound: 10109,
      HostNotFound: 11001,
      TryAgain: 11002,
      NoRecovery: 11003,
      NoData: 11004,
    };
    const members = Object.keys(SocketError).filter((k) => Number.isNaN(Number(k)));
    expect(members).toHaveLength(47);
    for (const [name, value] of Object.entries(values)) {
      expect(SocketError[name as keyof typeof SocketError]).toBe(value);
    }
  });

  // D2: errno (Node's err.code) → SocketError, as SocketErrorPal.Unix.cs maps them.
  const table: [string, SocketError][] = [
    ['EACCES', SocketError.AccessDenied],
    ['EPERM', SocketError.AccessDenied],
    ['EADDRINUSE', SocketError.AddressAlreadyInUse],
    ['EADDRNOTAVAIL', SocketError.AddressNotAvailable],
    ['ENOENT', SocketError.AddressNotAvailable],
    ['EAFNOSUPPORT', SocketError.AddressFamilyNotSupported],
    ['EAGAIN', SocketError.WouldBlock],
    ['EWOULDBLOCK', SocketError.WouldBlock],
    ['EALREADY', SocketError.AlreadyInProgress],
    ['EBADF', SocketError.OperationAborted],
    ['ECANCELED', SocketError.OperationAborted],
    ['ECONNABORTED', SocketError.ConnectionAborted],
    ['ECONNREFUSED', SocketError.ConnectionRefused],
    ['ECONNRESET', SocketError.ConnectionReset],
    ['EDESTADDRREQ', SocketError.DestinationAddressRequired],
    ['EFAULT', SocketError.Fault],
    ['EHOSTDOWN', SocketError.HostDown],
    ['ENXIO', SocketError.HostNotFound],
    ['EHOSTUNREACH', SocketError.HostUnreachable],
    ['EINPROGRESS', SocketError.InProgress],
    ['EINTR', SocketError.Interrupted],
    ['EINVAL', SocketError.InvalidArgument],
    ['EISCONN', SocketError.IsConnected],
    ['EMFILE', SocketError.TooManyOpenSockets],
    ['ENFILE', SocketError.TooManyOpenSockets],
    ['EMSGSIZE', SocketError.MessageSize],
    ['ENETDOWN', SocketError.NetworkDown],
    ['ENETRESET', SocketError.NetworkReset],
    ['ENETUNREACH', SocketError.NetworkUnreachable],
    ['ENOBUFS', SocketError.NoBufferSpaceAvailable],
    ['ENODATA', SocketError.NoData],
    ['ENOPROTOOPT', SocketError.ProtocolOption],
    ['ENOTCONN', SocketError.NotConnected],
    ['ENOTSOCK', SocketError.NotSocket],
    ['ENOTSUP', SocketError.OperationNotSupported],
    ['EOPNOTSUPP', SocketError.OperationNotSupported],
    ['EPIPE', SocketError.Shutdown],
    ['EPFNOSUPPORT', SocketError.ProtocolFamilyNotSupported],
    ['EPROTONOSUPPORT', SocketError.ProtocolNotSupported],
    ['EPROTOTYPE', SocketError.ProtocolType],
    ['ESOCKTNOSUPPORT', SocketError.SocketNotSupported],
    ['ESHUTDOWN', SocketError.Disconnecting],
    ['ETIMEDOUT', SocketError.TimedOut],
    // D3: name resolution (Node folds EAI_NONAME and EAI_NODATA into ENOTFOUND).
    ['ENOTFOUND', SocketError.HostNotFound],
    ['EAI_AGAIN', SocketError.TryAgain],
    ['EAI_FAIL', SocketError.NoRecovery],
    ['EAI_FAMILY', SocketError.AddressFamilyNotSupported],
    ['EAI_BADFLAGS', SocketError.InvalidArgument],
    // D4: conditions only Node and sockflow have.
    ['ERR_STREAM_WRITE_AFTER_END', SocketError.Shutdown],
    ['ERR_SOCKET_SHUTDOWN', SocketError.Shutdown],
    ['ERR_STREAM_DESTROYED', SocketError.OperationAborted],
    ['ERR_SOCKET_CLOSED', SocketError.OperationAborted],
    ['ERR_SOCKET_SEND_ABORTED', SocketError.OperationAborted],
    ['ERR_SOCKET_SEND_QUEUE_FULL', SocketError.NoBufferSpaceAvailable],
    ['ABORT_ERR', SocketError.OperationAborted],
    ['ERR_SOCKET_CONNECTION_TIMEOUT', SocketError.TimedOut],
    // Anything else.
    ['E2BIG', SocketError.SocketError],
    ['ERR_SOMETHING_NEW', SocketError.SocketError],
  ];
  for (const [code, expected] of table) {
    it(`D2: ${code} maps to ${SocketError[expected]}`, () => {
      expect(toSocketError(code)).toBe(expected);
      const err = Object.assign(new Error(code), { code, errno: -1 });
      expect(toSocketError(err)).toBe(expected);
    });
  }

  it('D4: an aborted operation (AbortError, TimeoutError) maps to OperationAborted; no code to SocketError', () => {
    expect(toSocketError(new DOMException('stop', 'AbortError'))).toBe(
      SocketError.OperationAborted,
    );
    expect(
      toSocketError(AbortSignal.timeout(0).reason ?? new DOMException('t', 'TimeoutError')),
    ).toBe(SocketError.OperationAborted);
    expect(toSocketError(new Error('no code'))).toBe(SocketError.SocketError);
    expect(toSocketError(undefined)).toBe(SocketError.SocketError);
  });

  it('D: SocketException carries the code, the errno .NET reports on Linux and the system message', () => {
    const e = new SocketException(SocketError.ConnectionRefused);
    expect([e.socketErrorCode, e.nativeErrorCode, e.errorCode, e.message, e.code]).toEqual([
      SocketError.ConnectionRefused,
      111,
      111,
      'Connection refused',
      'ERR_SOCKET_EXCEPTION',
    ]);
    expect(new SocketException(SocketError.OperationAborted).message).toBe('Operation canceled');
    expect(new SocketException(SocketError.HostNotFound).message).toBe('Name or service not known');
    expect(new SocketException(SocketError.SocketError).message).toBe('Unknown socket error');
  });

  it("exceptions map onto JS errors with stable codes and follow .NET's hierarchy", () => {
    const cases: [
      Error,
      ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor,
      string,
    ][] = [
      [new ArgumentException('bad', 'x'), TypeError, 'ERR_INVALID_ARG_VALUE'],
      [new ArgumentNullException('x'), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [new ArgumentOutOfRangeException('x'), RangeError, 'ERR_OUT_OF_RANGE'],
      [new InvalidOperationException('no'), Error, 'ERR_INVALID_STATE'],
      [new ObjectDisposedException('System.Net.Sockets.Socket'), Error, 'ERR_OBJECT_DISPOSED'],
      [new NotSupportedException('no'), Error, 'ERR_NOT_SUPPORTED'],
      [new PlatformNotSupportedException('no'), Error, 'ERR_PLATFORM_NOT_SUPPORTED'],
      [new FormatException('no'), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ];
    for (const [err, base, code] of cases) {
      expect(err).toBeInstanceOf(base);
      expect((err as unknown as { code: string }).code).toBe(code);
    }
    expect(new ArgumentNullException('x')).toBeInstanceOf(ArgumentException);
    expect(new ArgumentOutOfRangeException('x')).toBeInstanceOf(ArgumentException);
    expect(new ArgumentException('x')).not.toBeInstanceOf(ArgumentOutOfRangeException);
    expect(new ObjectDisposedException('x')).toBeInstanceOf(InvalidOperationException);
    expect(new PlatformNotSupportedException('x')).toBeInstanceOf(NotSupportedException);
    expect(new ArgumentOutOfRangeException('port').message).toBe(
      "Specified argument was out of the range of valid values. (Parameter 'port')",
    );
  });
});
