// toDuplex() as a socket: the net.Socket members libraries use (SocketLike), each checked
// against what it stands for, node:http without an agent and tls.connect({ socket }) over the Duplex. The libraries
// themselves (node:http's Agent, undici, pg, ws, MQTT.js) run in examples-libraries.test.ts
// and examples-pg.test.ts, through the recipes' examples.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { connect, listen, type Connection } from '../../src/core/index.js';
import { toDuplex } from '../../src/streams/index.js';
import { certs } from '../tls-certs.js';
import { freePort } from '../../bench/throwaway-servers.js';
import { ipcPair, LOOPBACK, pair, portOf, readAll, ssTimerOf, until } from '../helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('toDuplex() as a socket', () => {
  it('carries the addresses as net.Socket does: TCP, and a Unix socket (none)', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    const local = p.client.localAddress;
    const remote = p.client.remoteAddress;
    if (!('port' in local) || !('port' in remote)) throw new Error('not TCP');
    expect([d.remoteAddress, d.remotePort, d.remoteFamily]).toEqual([
      LOOPBACK,
      remote.port,
      'IPv4',
    ]);
    expect([d.localAddress, d.localPort, d.localFamily]).toEqual([LOOPBACK, local.port, 'IPv4']);
    expect(d.address()).toEqual({ address: LOOPBACK, family: 'IPv4', port: local.port });
    await using u = await ipcPair();
    const ud = toDuplex(u.client);
    expect([
      ud.remoteAddress,
      ud.remotePort,
      ud.remoteFamily,
      ud.localPort,
      ud.localFamily,
    ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(ud.address()).toEqual({});
  });

  it('counts bytes both ways and reports its state: open, writeOnly, closed', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    expect([d.connecting, d.pending, d.readyState]).toEqual([false, false, 'open']);
    await new Promise<void>((resolve, reject) =>
      d.write('hello', (e) => (e ? reject(e) : resolve())),
    );
    expect(d.bytesWritten).toBe(5);
    await p.server.send('world!');
    const got = new Promise((resolve) => d.once('data', resolve));
    expect(String(await got)).toBe('world!');
    expect(d.bytesRead).toBe(6);
    d.end();
    await until(() => !d.writable);
    expect(d.readyState).toBe('readOnly');
    d.resume();
    await p.server.shutdown('send');
    await until(() => !d.readable);
    expect(d.readyState).toBe('closed');
  });

  it('setTimeout emits timeout once after the quiet period, not while bytes move; 0 stops it', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    d.resume();
    let fired = 0;
    let called = 0;
    d.on('timeout', () => fired++);
    d.setTimeout(400, () => called++); // a one-time listener, as node:net adds it
    expect(d.timeout).toBe(400);
    for (let i = 0; i < 6; i++) {
      await sleep(50);
      await p.server.send('x'); // activity: the clock starts over
    }
    expect(fired).toBe(0);
    await until(() => fired === 1);
    await sleep(600);
    expect(fired).toBe(1); // once, as node:net, until something moves again
    await p.server.send('x');
    await until(() => fired === 2);
    expect(called).toBe(1);
    d.setTimeout(0);
    expect(d.timeout).toBeUndefined();
    await p.server.send('x');
    await sleep(600);
    expect(fired).toBe(2);
    expect(() => d.setTimeout(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => d.setTimeout('1' as unknown as number)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    d.destroy(); // a graceful close: done once the peer closes too
    await p.server.close();
    await until(() => d.closed);
  });

  it('setKeepAlive, setNoDelay, ref and unref act on the connection and chain', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    expect(d.setKeepAlive(true, 60_000.7).setNoDelay(false).setNoDelay()).toBe(d);
    expect(await ssTimerOf(p.client)).toBe('keepalive');
    d.setKeepAlive(); // node:net's default: off
    expect(await ssTimerOf(p.client)).toBe('');
    const live = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = live();
    expect(d.unref()).toBe(d);
    expect(live()).toBe(before - 1);
    d.ref();
    expect(live()).toBe(before);
  });

  it("connect() on the open connection emits 'connect' and 'ready' on the next tick (pg calls it)", async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    const events: string[] = [];
    d.on('connect', () => events.push('connect')).on('ready', () => events.push('ready'));
    expect(d.connect(5432, 'localhost')).toBe(d);
    expect(events).toEqual([]);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(events).toEqual(['connect', 'ready']);
  });

  it('takes the arguments node:net takes, and once closed its setters do nothing, as node:net', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    // node:net takes enable for its truth and a delay that is not a number as 0.
    d.setKeepAlive('yes' as unknown as boolean, '60000' as unknown as number);
    expect(await ssTimerOf(p.client)).toBe('keepalive');
    d.setKeepAlive(0 as unknown as boolean);
    expect(await ssTimerOf(p.client)).toBe('');
    // Node 26's form.
    d.setKeepAlive({ enable: true, initialDelay: 30_000, interval: 1_000, count: 3 });
    expect(await ssTimerOf(p.client)).toBe('keepalive');
    d.setKeepAlive(true, Number.NaN)
      .setKeepAlive(true, -5)
      .setNoDelay(0 as unknown as boolean);
    d.destroy();
    await p.client.closed;
    d.setNoDelay().setKeepAlive(true, 1_000).unref().ref().setTimeout(1_000);
    expect([d.readyState, d.bufferSize, d.bytesWritten]).toEqual(['closed', 0, 0]);
    // Bad input where node:net's is bad too: a typed error with its code.
    expect(() => d.setTimeout('soon' as unknown as number)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it("connect(port, host, listener) adds the listener; on a destroyed Duplex it is 'error' ERR_SOCKET_CLOSED, not a wait", async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    await new Promise<void>((resolve) => d.connect(5432, 'localhost', resolve));
    d.destroy();
    const err = await new Promise<Error>((resolve) => {
      d.once('error', resolve);
      d.connect(5432, 'localhost', () => resolve(new Error("'connect' on a destroyed Duplex")));
    });
    expect(err).toMatchObject({ name: 'SocketClosedError', code: 'ERR_SOCKET_CLOSED' });
  });

  it('resetAndDestroy() resets the connection: the peer sees ECONNRESET, our close carries no error', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    const closed = new Promise((resolve) => d.once('close', resolve));
    expect(d.resetAndDestroy()).toBe(d);
    await closed;
    expect(d.errored).toBe(null);
    await expect(readAll(p.server)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it("allowHalfOpen: false: the peer's EOF ends our side too and the Duplex closes, as net.connect()'s socket", async () => {
    await using p = await pair();
    const d = toDuplex(p.client, { allowHalfOpen: false });
    const closed = new Promise((resolve) => d.once('close', resolve));
    d.resume();
    await p.server.shutdown('send');
    await closed;
    expect(await readAll(p.server)).toHaveLength(0); // and our FIN reached the peer
    // The default keeps our side open: a reply can still go out after the peer's EOF.
    await using q = await pair();
    const h = toDuplex(q.client);
    h.resume();
    await q.server.shutdown('send');
    await new Promise((resolve) => h.once('end', resolve));
    h.end('still here');
    expect(String(await readAll(q.server))).toBe('still here');
    expect(() => toDuplex(q.client, { allowHalfOpen: 'no' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it('destroySoon sends what was written, then FIN, then destroys', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    d.write('last words');
    d.destroySoon();
    expect(String(await readAll(p.server))).toBe('last words');
    await until(() => d.destroyed);
  });
});

describe('toDuplex(connect(…)): a socket at once, connecting, as net.connect() gives one', () => {
  it("is connecting until it opens; writes meanwhile go out in order; 'connect' and 'ready' once; members apply", async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const opening = connect({ host: LOOPBACK, port: portOf(listener) });
    const d = toDuplex(opening);
    expect([d.connecting, d.pending, d.readyState, d.remotePort, d.bytesRead]).toEqual([
      true,
      true,
      'opening',
      undefined,
      0,
    ]);
    expect(d.address()).toEqual({});
    const events: string[] = [];
    d.on('connect', () => events.push('connect')).on('ready', () => events.push('ready'));
    d.connect(5432, 'localhost'); // pg's call: no second 'connect'
    d.setKeepAlive(true, 60_000).setNoDelay().unref().ref();
    d.write('one, ');
    d.write('two, ');
    await new Promise((resolve) => d.once('ready', resolve));
    expect(await ssTimerOf(await opening)).toBe('keepalive'); // set while connecting
    d.end('three');
    const got = new Promise<string>((resolve) => {
      let text = '';
      d.setEncoding('utf8')
        .on('data', (chunk: string) => (text += chunk))
        .on('end', () => resolve(text));
    });
    await using server = await listener.accept();
    expect(String(await readAll(server))).toBe('one, two, three');
    await server.send('and back');
    await server.shutdown('send');
    expect(await got).toBe('and back');
    expect(events).toEqual(['connect', 'ready']);
    expect([d.connecting, d.pending, d.remotePort]).toEqual([false, false, portOf(listener)]);
  });

  it("a connection that fails: 'error' with its error, then 'close'; nothing written goes anywhere", async () => {
    const nobody = await freePort();
    const d = toDuplex(connect({ host: LOOPBACK, port: nobody }));
    const closed = new Promise((resolve) => d.once('close', resolve));
    const written = new Promise((resolve) => d.write('lost', resolve));
    const err = await new Promise((resolve) => d.once('error', resolve));
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    await closed;
    expect(await written).toMatchObject({ code: 'ECONNREFUSED' }); // the write's callback too
    expect([d.connecting, d.pending, d.readyState]).toEqual([false, true, 'closed']);
  });

  it('destroyed while connecting: the connection is closed as soon as it opens, nothing sent', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const accepting = listener.accept();
    const opening = connect({ host: LOOPBACK, port: portOf(listener) });
    const d = toDuplex(opening);
    const written = new Promise((resolve) => d.write('never sent', resolve));
    d.destroy();
    expect(d.connecting).toBe(false);
    expect(await written).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await using server = await accepting;
    expect((await readAll(server)).length).toBe(0); // EOF at once
    await server.close();
    expect((await (await opening).closed).reason).toBe('closed');
  });

  it('given a function of a signal: destroy() while connecting aborts the attempt, with its reason', async () => {
    /** An attempt that ends only when aborted, and the signal it was given. */
    const pending = (): {
      attempt: (signal: AbortSignal) => Promise<Connection>;
      signal: () => AbortSignal | undefined;
    } => {
      let given: AbortSignal | undefined;
      return {
        attempt: (signal) => {
          given = signal;
          return new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          );
        },
        signal: () => given,
      };
    };
    const a = pending();
    const d = toDuplex(a.attempt);
    expect(d.connecting).toBe(true);
    d.destroy();
    await new Promise((resolve) => d.once('close', resolve));
    expect(a.signal()?.reason).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    const b = pending();
    const e = toDuplex(b.attempt);
    const given = new Error('given up');
    e.once('error', () => {});
    e.destroy(given);
    await new Promise((resolve) => e.once('close', resolve));
    expect(b.signal()?.reason).toBe(given);
    // With connect() itself: it opens and carries bytes.
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const f = toDuplex((signal) => connect({ host: LOOPBACK, port: portOf(listener) }, { signal }));
    f.end('through the function form');
    await using server = await listener.accept();
    expect(String(await readAll(server))).toBe('through the function form');
    f.destroy();
  });

  it('a function that throws, or gives something else: the Duplex errors with it', async () => {
    const thrown = new Error('no connection for you');
    const d = toDuplex(() => {
      throw thrown;
    });
    expect(await new Promise((resolve) => d.once('error', resolve))).toBe(thrown);
    const e = toDuplex(() => 42 as unknown as Promise<Connection>);
    const err = await new Promise((resolve) => e.once('error', resolve));
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('a promise of something else: the Duplex errors with ERR_INVALID_ARG_TYPE', async () => {
    const d = toDuplex(Promise.resolve('not a connection') as unknown as Promise<Connection>);
    const err = await new Promise((resolve) => d.once('error', resolve));
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(() => toDuplex({} as Connection)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});

describe('toDuplex() handed to clients that take a socket', () => {
  it('node:http without an agent: http.request({ createConnection }), 200 GETs and a 16 MiB body by SHA-256', async () => {
    const big = randomBytes(16 << 20);
    const server = http.createServer((req, res) => {
      res.end(req.url === '/big' ? big : `you asked for ${req.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
    const { port } = server.address() as AddressInfo;
    const request = (path: string): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: LOOPBACK,
            port,
            path,
            // No agent: a connection per request, closed after it.
            createConnection: (_options, done) => {
              connect({ host: LOOPBACK, port }).then(
                (conn) => done(null, toDuplex(conn)),
                (err: Error) => done(err, undefined as never),
              );
              return undefined;
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks)));
            res.on('error', reject);
          },
        );
        req.on('error', reject).end();
      });
    for (let i = 0; i < 200; i++)
      expect(String(await request(`/${i}`))).toBe(`you asked for /${i}`);
    const body = await request('/big');
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    expect(sha(body)).toBe(sha(big));
    await new Promise((resolve) => server.close(resolve));
  }, 30_000);

  it('tls.connect({ socket }) runs TLS over it (how pg and others add TLS to a socket they were given)', async () => {
    const c = certs();
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const port = (listener.address as { port: number }).port;
    const serving = (async () => {
      const conn = await listener.accept();
      const secure = await conn.startTls({
        isServer: true,
        key: c.server.key,
        cert: c.server.cert,
      });
      const got = await readAll(secure);
      await secure.send(`echo: ${String(got)}`);
      await secure.close();
    })();
    const conn = await connect({ host: LOOPBACK, port });
    const socket = tls.connect({ socket: toDuplex(conn), ca: c.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve).once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    socket.end('over TLS');
    let reply = '';
    for await (const chunk of socket) reply += String(chunk);
    expect(reply).toBe('echo: over TLS');
    await serving;
  });
});
