// Every error class of every layer is a SockflowError with a stable code, recognised by a brand
// rather than by its prototype chain, so the check holds across two installed copies.
import { describe, expect, it } from 'vitest';
import * as core from '../src/core/index.js';
import * as streams from '../src/streams/index.js';
import * as compat from '../src/compat/index.js';
import {
  InvalidArgTypeError,
  OutOfRangeError,
  SocketClosedError,
  SockflowError,
} from '../src/core/index.js';

function errorClasses(mod: Record<string, unknown>): [string, { prototype: object }][] {
  return Object.entries(mod).filter(
    (e): e is [string, { prototype: object }] =>
      typeof e[1] === 'function' && (e[1] as { prototype?: unknown }).prototype instanceof Error,
  );
}

describe('one error base: SockflowError', () => {
  it('every exported error class of core, streams and compat carries the sockflow brand', () => {
    const all = [...errorClasses(core), ...errorClasses(streams), ...errorClasses(compat)];
    expect(all.length).toBeGreaterThanOrEqual(20);
    const unbranded = all
      .filter(
        ([, cls]) =>
          (cls.prototype as Record<symbol, unknown>)[Symbol.for('sockflow.error')] !== true,
      )
      .map(([name]) => name);
    expect(unbranded).toEqual([]);
  });

  it('instanceof SockflowError and SockflowError.is hold for errors of every base type', () => {
    const errors: unknown[] = [
      new SocketClosedError('closed'),
      new InvalidArgTypeError('bad type'),
      new OutOfRangeError('bad range'),
      new streams.FrameTooLargeError('big', 10),
      new streams.FrameTruncatedError('short', new Uint8Array(0)),
      new compat.ArgumentNullException('e'),
      new compat.ArgumentOutOfRangeException('offset'),
      new compat.ObjectDisposedException('System.Net.Sockets.Socket'),
      new compat.SocketException(compat.SocketError.ConnectionReset),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(SockflowError);
      expect(SockflowError.is(err)).toBe(true);
      expect(typeof (err as { code: unknown }).code).toBe('string');
    }
    // The argument errors stay TypeError / RangeError, as Node's own are.
    expect(new InvalidArgTypeError('x')).toBeInstanceOf(TypeError);
    expect(new compat.ArgumentOutOfRangeException('x')).toBeInstanceOf(RangeError);
    // A subclass keeps the ordinary check.
    expect(new InvalidArgTypeError('x') instanceof SocketClosedError).toBe(false);
    expect(new SocketClosedError('x').code).toBe('ERR_SOCKET_CLOSED');
  });

  it('recognises an error of another installed copy by its brand, and nothing else', () => {
    // What another copy of sockflow's classes look like from here: same registered symbol.
    class OtherCopyError extends Error {
      readonly code = 'ERR_SOCKET_CLOSED';
    }
    Object.defineProperty(OtherCopyError.prototype, Symbol.for('sockflow.error'), { value: true });
    expect(new OtherCopyError('x')).toBeInstanceOf(SockflowError);
    expect(SockflowError.is(new OtherCopyError('x'))).toBe(true);

    const systemError = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    expect(SockflowError.is(systemError)).toBe(false);
    expect(systemError instanceof SockflowError).toBe(false);
    expect(SockflowError.is(null)).toBe(false);
    expect(SockflowError.is({ code: 'ERR_SOCKET_CLOSED' })).toBe(false);
  });
});
