// The public API's types, checked by the compiler (npm test runs tsc over test/) and by vitest.
import { describe, expectTypeOf, it } from 'vitest';
import {
  connect,
  listen,
  type CloseInfo,
  type CloseReason,
  type Connection,
  type ConnectOptions,
  type Listener,
  type ListenOptions,
  type SocketAddress,
  SockflowError,
} from '../src/core/index.js';

describe('public types', () => {
  it('connect and listen', () => {
    expectTypeOf(connect).parameters.toEqualTypeOf<
      [{ host?: string; port: number } | { path: string }, (ConnectOptions | undefined)?]
    >();
    expectTypeOf(connect).returns.toEqualTypeOf<Promise<Connection>>();
    expectTypeOf(listen).returns.toEqualTypeOf<Promise<Listener>>();
    expectTypeOf<ListenOptions>().toHaveProperty('maxPendingAccepts');
    expectTypeOf<ListenOptions['backlog']>().toEqualTypeOf<number | undefined>();
  });

  it('Connection', () => {
    expectTypeOf<Connection>().toExtend<AsyncIterable<Uint8Array>>();
    expectTypeOf<Connection>().toExtend<AsyncDisposable>();
    expectTypeOf<Connection['receive']>().returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<Connection['read']>().returns.toEqualTypeOf<Promise<Uint8Array | null>>();
    expectTypeOf<Connection['send']>()
      .parameter(0)
      .toEqualTypeOf<Uint8Array | string | readonly Uint8Array[]>();
    expectTypeOf<Connection['send']>().returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<Connection['shutdown']>()
      .parameter(0)
      .toEqualTypeOf<'send' | 'receive' | 'both' | undefined>();
    expectTypeOf<Connection['close']>().returns.toEqualTypeOf<Promise<CloseInfo>>();
    expectTypeOf<Connection['reset']>().returns.toEqualTypeOf<Promise<CloseInfo>>();
    expectTypeOf<Connection['closed']>().toEqualTypeOf<Promise<CloseInfo>>();
    expectTypeOf<Connection['localAddress']>().toEqualTypeOf<SocketAddress>();
    expectTypeOf<Connection['bytesSent']>().toBeNumber();
    expectTypeOf<Connection['pendingSends']>().toBeNumber();
  });

  it('the synchronous fast path: what the promise resolves with, or undefined when it would wait', () => {
    expectTypeOf<Connection['tryReceive']>().returns.toEqualTypeOf<number | undefined>();
    expectTypeOf<Connection['tryRead']>().returns.toEqualTypeOf<Uint8Array | null | undefined>();
    expectTypeOf<Listener['tryAccept']>().returns.toEqualTypeOf<Connection | undefined>();
    // A send cannot be left unstarted: "would wait" is its promise.
    expectTypeOf<Connection['trySend']>().returns.toEqualTypeOf<number | Promise<number>>();
    expectTypeOf<Listener['pendingConnections']>().toBeNumber();
  });

  it('SockflowError', () => {
    expectTypeOf<SockflowError>().toExtend<Error>();
    expectTypeOf<SockflowError['code']>().toBeString();
    expectTypeOf(SockflowError.is).guards.toEqualTypeOf<SockflowError>();
  });

  it('Listener and CloseInfo', () => {
    expectTypeOf<Listener>().toExtend<AsyncIterable<Connection>>();
    expectTypeOf<Listener['accept']>().returns.toEqualTypeOf<Promise<Connection>>();
    expectTypeOf<Listener['close']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<CloseReason>().toEqualTypeOf<
      'closed' | 'reset' | 'peer-reset' | 'idle-timeout' | 'error' | 'upgraded'
    >();
    expectTypeOf<CloseInfo['error']>().toEqualTypeOf<Error | undefined>();
  });
});
