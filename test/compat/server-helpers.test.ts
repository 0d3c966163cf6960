// The helpers of .NET's documented server pattern: SocketAsyncEventArgsPool and BufferManager.
import { describe, expect, it } from 'vitest';
import {
  ArgumentNullException,
  ArgumentOutOfRangeException,
  BufferManager,
  InvalidOperationException,
  SocketAsyncEventArgs,
  SocketAsyncEventArgsPool,
} from '../../src/compat/index.js';

describe('SocketAsyncEventArgsPool', () => {
  it('pops what was pushed last, counts, and rejects null', () => {
    const pool = new SocketAsyncEventArgsPool(2);
    const a = new SocketAsyncEventArgs();
    const b = new SocketAsyncEventArgs();
    pool.push(a);
    pool.push(b);
    expect(pool.count).toBe(2);
    expect(pool.pop()).toBe(b);
    expect(pool.pop()).toBe(a);
    expect(pool.count).toBe(0);
    expect(() => pool.pop()).toThrow(InvalidOperationException);
    expect(() => pool.push(null as never)).toThrow(ArgumentNullException);
    expect(() => pool.push(null as never)).toThrow(
      "Items added to a SocketAsyncEventArgsPool cannot be null (Parameter 'item')",
    );
  });
});

describe('bad arguments get .NET exceptions at the call (issue 16)', () => {
  it('a pool capacity that is not an int of 0 or more: ArgumentOutOfRangeException, as new Stack<T>(-1)', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 31, '4']) {
      expect(() => new SocketAsyncEventArgsPool(bad as never)).toThrow(ArgumentOutOfRangeException);
    }
    expect(() => new SocketAsyncEventArgsPool(-1)).toThrow(
      expect.objectContaining({ paramName: 'capacity' }),
    );
    expect(new SocketAsyncEventArgsPool(0).count).toBe(0);
  });

  it('BufferManager sizes out of range throw when constructed, not later; null args throw ArgumentNullException', () => {
    expect(() => new BufferManager(-1, 10)).toThrow(
      expect.objectContaining({ name: 'ArgumentOutOfRangeException', paramName: 'totalBytes' }),
    );
    expect(() => new BufferManager(10, -1)).toThrow(
      expect.objectContaining({ name: 'ArgumentOutOfRangeException', paramName: 'bufferSize' }),
    );
    expect(() => new BufferManager(10, 0)).toThrow(ArgumentOutOfRangeException);
    expect(() => new BufferManager(1.5, 1)).toThrow(ArgumentOutOfRangeException);
    const m = new BufferManager(10, 5);
    expect(() => m.setBuffer(null as never)).toThrow(
      expect.objectContaining({ name: 'ArgumentNullException', paramName: 'args' }),
    );
    expect(() => m.freeBuffer(null as never)).toThrow(ArgumentNullException);
  });
});

describe('BufferManager', () => {
  it('hands out disjoint slices of one buffer until it is full, then reuses freed ones', () => {
    const m = new BufferManager(30, 10);
    m.initBuffer();
    const es = [0, 1, 2].map(() => new SocketAsyncEventArgs());
    for (const e of es) expect(m.setBuffer(e)).toBe(true);
    const big = es[0]?.buffer as Uint8Array;
    expect(big.length).toBe(30);
    expect(es.map((e) => [e.buffer === big, e.offset, e.count])).toEqual([
      [true, 0, 10],
      [true, 10, 10],
      [true, 20, 10],
    ]);
    const extra = new SocketAsyncEventArgs();
    expect(m.setBuffer(extra)).toBe(false);
    m.freeBuffer(es[1] as SocketAsyncEventArgs);
    expect((es[1] as SocketAsyncEventArgs).buffer).toBeNull();
    expect(m.setBuffer(extra)).toBe(true);
    expect([extra.offset, extra.count]).toEqual([10, 10]);
  });

  it('initBuffer is idempotent: the buffer is allocated once', () => {
    const m = new BufferManager(8, 4);
    m.initBuffer();
    const a = new SocketAsyncEventArgs();
    m.setBuffer(a);
    m.initBuffer();
    const b = new SocketAsyncEventArgs();
    m.setBuffer(b);
    expect(a.buffer).toBe(b.buffer);
  });
});
