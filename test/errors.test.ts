// Invariant 9: bad arguments throw synchronously with Node's codes before any I/O; system
// codes pass through; connect failures are typed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BadPortError,
  connect,
  InvalidArgTypeError,
  InvalidArgValueError,
  listen,
  OutOfRangeError,
} from '../src/core/index.js';
import { LOOPBACK, pair, portOf } from './helpers.js';

function thrown(fn: () => unknown): { name: string; code: string } {
  try {
    fn();
  } catch (err) {
    return err as { name: string; code: string };
  }
  throw new Error('did not throw synchronously');
}

/**
 * What `call()` rejects with. A method that returns a promise reports bad input as a rejected
 * promise, as Node's promise APIs and WHATWG streams do: a synchronous throw fails the test.
 */
async function rejection(call: () => unknown): Promise<{ name: string; code: string }> {
  let result: unknown;
  try {
    result = call();
  } catch (err) {
    throw new Error(`threw synchronously instead of rejecting: ${String(err)}`);
  }
  expect(result).toBeInstanceOf(Promise);
  return (result as Promise<unknown>).then(
    () => {
      throw new Error('resolved instead of rejecting');
    },
    (err: unknown) => err as { name: string; code: string },
  );
}

describe('invariant 9: bad input', () => {
  it('connect() and listen() reject bad addresses with Node codes, never throwing', async () => {
    const cases: [() => unknown, string, string][] = [
      [() => connect(undefined as never), 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [() => connect('localhost:80' as never), 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [() => connect({ port: '80' } as never), 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [() => connect({ port: 0 }), 'RangeError', 'ERR_SOCKET_BAD_PORT'],
      [() => connect({ port: 65536 }), 'RangeError', 'ERR_SOCKET_BAD_PORT'],
      [() => connect({ port: -1 }), 'RangeError', 'ERR_SOCKET_BAD_PORT'],
      [() => connect({ port: 1.5 }), 'RangeError', 'ERR_SOCKET_BAD_PORT'],
      [() => connect({ host: 42, port: 80 } as never), 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [() => connect({ host: '', port: 80 }), 'TypeError', 'ERR_INVALID_ARG_VALUE'],
      [() => connect({ path: '' }), 'TypeError', 'ERR_INVALID_ARG_VALUE'],
      [() => listen({ port: 70_000 }), 'RangeError', 'ERR_SOCKET_BAD_PORT'],
      [() => listen({ port: 0 }, { backlog: 0 }), 'RangeError', 'ERR_OUT_OF_RANGE'],
      [() => listen({ port: 0 }, { backlog: 2 ** 40 }), 'RangeError', 'ERR_OUT_OF_RANGE'],
      [() => listen({ port: 0 }, { maxPendingAccepts: -1 }), 'RangeError', 'ERR_OUT_OF_RANGE'],
    ];
    for (const [fn, name, code] of cases) expect(await rejection(fn)).toMatchObject({ name, code });
    expect(await rejection(() => connect({ port: 0 }))).toBeInstanceOf(BadPortError);
  });

  it('connection options are checked before any I/O, rejecting', async () => {
    const to = { host: LOOPBACK, port: 9 };
    const cases: [object, string, string][] = [
      [{ receiveBufferSize: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ receiveBufferSize: -5 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ receiveBufferSize: '1' }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [{ maxPendingSends: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ idleTimeout: -1 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ noDelay: 'yes' }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [{ keepAlive: 'yes' }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [{ keepAlive: -1 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ signal: 'nope' }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
    ];
    for (const [options, name, code] of cases) {
      expect(await rejection(() => connect(to, options as never))).toMatchObject({ name, code });
    }
    expect(await rejection(() => connect(to, 5 as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('operations reject bad arguments (never throwing) before touching the connection', async () => {
    await using p = await pair();
    const c = p.client;
    expect(await rejection(() => c.receive(new Uint8Array(0)))).toBeInstanceOf(OutOfRangeError);
    expect(await rejection(() => c.receive([]))).toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(await rejection(() => c.receive([new Uint8Array(0)]))).toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    expect(await rejection(() => c.receive('x' as never))).toBeInstanceOf(InvalidArgTypeError);
    expect(await rejection(() => c.receive([new Uint8Array(1), 'x'] as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(
      await rejection(() => c.receive(new Uint8Array(1), { signal: {} } as never)),
    ).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(await rejection(() => c.send(42 as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(await rejection(() => c.send([Buffer.from('a'), 7] as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(await rejection(() => c.send(null as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(await rejection(() => c.read(7 as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(await rejection(() => c.shutdown('sideways' as never))).toBeInstanceOf(
      InvalidArgValueError,
    );
    expect(await rejection(() => c.flush({ signal: 1 } as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(await rejection(() => c.startTls({ ca: 42 } as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(await rejection(() => p.listener.accept({ signal: 'x' } as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    // Synchronous methods keep throwing.
    expect(thrown(() => c.unshift('x' as never))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(thrown(() => c.trySend(42 as never))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(thrown(() => c.tryReceive(new Uint8Array(0)))).toBeInstanceOf(OutOfRangeError);
    expect(await rejection(() => c.close({ signal: 1 } as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    // Nothing was lost: the connection still works.
    await p.server.send('intact');
    expect(Buffer.from((await c.read()) as Uint8Array).toString()).toBe('intact');
  });

  it('a receive whose buffer is detached while pending rejects (0 would say EOF) and loses nothing', async () => {
    await using p = await pair();
    const detach = (b: Uint8Array): void => {
      const buffer = b.buffer as ArrayBuffer; // made by new Uint8Array(n): never shared
      structuredClone(buffer, { transfer: [buffer] });
    };
    const one = new Uint8Array(16);
    const pending = p.client.receive(one);
    detach(one);
    await p.server.send('hello');
    await expect(pending).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    const hello = new Uint8Array(5);
    for (let n = 0; n < 5;) n += await p.client.receive(hello.subarray(n));
    expect(Buffer.from(hello).toString()).toBe('hello');
    // A list, every part detached; then bytes given back with unshift() while it waits.
    const parts = [new Uint8Array(4), new Uint8Array(4)];
    const pendingList = p.client.receive(parts);
    parts.forEach(detach);
    p.client.unshift(Buffer.from('again'));
    await expect(pendingList).rejects.toBeInstanceOf(InvalidArgValueError);
    expect(Buffer.from((await p.client.read()) as Uint8Array).toString()).toBe('again');
  });

  it('a bad send loses nothing already accepted', async () => {
    await using p = await pair();
    const ok = p.client.send('first');
    expect(await rejection(() => p.client.send({} as never))).toBeInstanceOf(TypeError);
    await ok;
    await p.client.send('second');
    await p.client.shutdown();
    const parts: Uint8Array[] = [];
    for await (const c of p.server) parts.push(c);
    expect(Buffer.concat(parts).toString()).toBe('firstsecond');
  });

  it('an aborted signal passed in rejects with its reason and starts nothing', async () => {
    const reason = new Error('already');
    const signal = AbortSignal.abort(reason);
    await expect(connect({ host: LOOPBACK, port: 9 }, { signal })).rejects.toBe(reason);
    await expect(listen({ host: LOOPBACK, port: 0 }, { signal })).rejects.toBe(reason);
    await using p = await pair();
    await expect(p.client.send('x', { signal })).rejects.toBe(reason);
    await expect(p.client.flush({ signal })).rejects.toBe(reason);
    await expect(p.listener.accept({ signal })).rejects.toBe(reason);
  });
});

describe('invariant 9: connect failures', () => {
  async function closedPort(): Promise<number> {
    const s = net.createServer().listen(0, LOOPBACK);
    await new Promise((r) => s.once('listening', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  }

  it('refused: ECONNREFUSED', async () => {
    const port = await closedPort();
    await expect(connect({ host: LOOPBACK, port })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // By name, where happy eyeballs may try ::1 and 127.0.0.1: still one system error.
    await expect(connect({ host: 'localhost', port })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('a custom lookup resolves the name; one that never answers is ended by the signal', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 });
    const asked: string[] = [];
    const lookup = ((host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
      asked.push(host);
      if (opts.all) cb(null, [{ address: LOOPBACK, family: 4 }]);
      else cb(null, LOOPBACK, 4);
    }) as never;
    const [conn, accepted] = await Promise.all([
      connect({ host: 'my-service.test', port: portOf(l) }, { lookup }),
      l.accept(),
    ]);
    expect(asked).toEqual(['my-service.test']);
    await Promise.all([conn.reset(), accepted.reset()]);
    // A resolver that never calls back: only the signal ends the attempt, and nothing is left.
    const never = (() => {}) as never;
    await expect(
      connect(
        { host: 'hangs.test', port: 80 },
        { lookup: never, signal: AbortSignal.timeout(100) },
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(
      connect({ host: 'x.test', port: 80 }, { lookup: 42 as never }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('unknown host: ENOTFOUND', async () => {
    await expect(connect({ host: 'no-such-host.invalid', port: 80 })).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
  });

  it('aborted by a signal: rejects with its reason and leaves no socket behind', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 });
    const port = (l.address as { port: number }).port;
    const ac = new AbortController();
    const attempt = connect({ host: LOOPBACK, port }, { signal: ac.signal });
    const reason = new Error('changed my mind');
    ac.abort(reason);
    await expect(attempt).rejects.toBe(reason);
    // The shared afterEach checks that no socket handle is left open.
  });

  it('a timeout signal during a stalled connect gives a TimeoutError and leaves no socket', async () => {
    // A listener in another process with a backlog of 1, stopped so it never accepts: once its
    // accept queue is full the kernel drops further SYNs and a connect hangs.
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const port = Number(line.toString().trim());
      process.kill(child.pid as number, 'SIGSTOP');
      const fillers: net.Socket[] = [];
      for (let i = 0; i < 4; i++) fillers.push(net.connect(port, LOOPBACK).on('error', () => {}));
      // A backlog of 1 holds two connections: once two fillers are in, a SYN is dropped.
      await Promise.race([
        Promise.all(fillers.slice(0, 2).map((f) => once(f, 'connect'))),
        Promise.any(fillers.slice(2).map((f) => once(f, 'connect'))).then(() => {
          throw new Error('the stopped listener accepted more than its backlog');
        }),
      ]);
      const err = (await connect(
        { host: LOOPBACK, port },
        { signal: AbortSignal.timeout(150) },
      ).catch((e: unknown) => e)) as Error;
      expect(err.name).toBe('TimeoutError');
      for (const f of fillers) f.destroy();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('listen on a port in use: EADDRINUSE', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 });
    const port = (l.address as { port: number }).port;
    await expect(listen({ host: LOOPBACK, port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
