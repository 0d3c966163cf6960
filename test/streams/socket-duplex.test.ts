// toDuplex() as a socket: the net.Socket members libraries use (SocketLike), each checked
// against what it stands for, and the Duplex handed to real clients that take a socket:
// node:http's keep-alive Agent and tls.connect({ socket }).
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { MqttClient } from 'mqtt';
import * as undici from 'undici';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws';
import { connect, listen } from '../../src/core/index.js';
import { toDuplex } from '../../src/streams/index.js';
import { certs } from '../tls-certs.js';
import { ipcPair, LOOPBACK, pair, readAll, ssTimerOf, until } from '../helpers.js';
import { mosquitto, retry } from '../throwaway-servers.js';

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

  it('destroySoon sends what was written, then FIN, then destroys', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    d.write('last words');
    d.destroySoon();
    expect(String(await readAll(p.server))).toBe('last words');
    await until(() => d.destroyed);
  });
});

/** A node:http server answering each request with its path, counting the connections it accepted. */
async function echoPathServer(): Promise<{
  server: http.Server;
  port: number;
  accepted: () => number;
}> {
  let count = 0;
  const server = http.createServer((req, res) => res.end(`you asked for ${req.url}`));
  server.on('connection', () => count++);
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return { server, port: (server.address() as net.AddressInfo).port, accepted: () => count };
}

describe('toDuplex() handed to clients that take a socket', () => {
  it("node:http's keep-alive Agent: 1,000 requests over at most 8 reused connections", async () => {
    const { server, port, accepted } = await echoPathServer();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    // What real HTTP code does: the Agent pools the sockets createConnection gives it.
    agent.createConnection = (_options, done) => {
      connect({ host: LOOPBACK, port }).then(
        (conn) => done?.(null, toDuplex(conn)),
        (err: Error) => done?.(err, undefined as never),
      );
      return undefined;
    };
    const get = (path: string): Promise<{ body: string; reused: boolean }> =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: LOOPBACK, port, path, agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ body, reused: req.reusedSocket }));
        });
        req.on('error', reject);
      });
    // 8 callers at a time, as many as the Agent's sockets: it creates a socket for every
    // request that finds none free, and ours are created asynchronously.
    const results: { body: string; reused: boolean }[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = w; i < 1000; i += 8) results[i] = await get(`/${i}`);
      }),
    );
    results.forEach((r, i) => expect(r.body).toBe(`you asked for /${i}`));
    expect(accepted()).toBeGreaterThan(0);
    expect(accepted()).toBeLessThanOrEqual(8);
    expect(results.filter((r) => r.reused).length).toBeGreaterThanOrEqual(1000 - 8);
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  }, 30_000);

  it("undici (fetch's client): an Agent whose connect hands it sockflow connections, 1,000 fetch calls", async () => {
    const { server, port, accepted } = await echoPathServer();
    const agent = new undici.Agent({
      connections: 8,
      connect: (options, done) => {
        connect({ host: options.hostname, port: Number(options.port) }).then(
          (conn) => done(null, toDuplex(conn) as unknown as net.Socket),
          (err: Error) => done(err, null),
        );
      },
    });
    const bodies = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const res = await undici.fetch(`http://${LOOPBACK}:${port}/${i}`, { dispatcher: agent });
        return res.text();
      }),
    );
    bodies.forEach((body, i) => expect(body).toBe(`you asked for /${i}`));
    expect(accepted()).toBeGreaterThan(0);
    expect(accepted()).toBeLessThanOrEqual(8);
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  }, 30_000);

  it('ws: a WebSocket whose createConnection hands it a sockflow connection, 1,000 messages echoed', async () => {
    const wss = new WebSocketServer({ host: LOOPBACK, port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    wss.on('connection', (peer) => {
      peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
    });
    const port = (wss.address() as { port: number }).port;
    const ws = new WebSocket(`ws://${LOOPBACK}:${port}/`, {
      createConnection: ((_options: unknown, done: (err: Error | null, s?: Duplex) => void) => {
        connect({ host: LOOPBACK, port }).then(
          (conn) => done(null, toDuplex(conn)),
          (err: Error) => done(err),
        );
        return undefined;
      }) as unknown as ClientOptions['createConnection'],
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const sent: (string | Buffer)[] = Array.from({ length: 1000 }, (_, i) =>
      i % 2 === 0 ? `text ${i} ${'é'.repeat(i % 50)}` : Buffer.from(randomBytes(1 + (i % 3000))),
    );
    const got: (string | Buffer)[] = [];
    const all = new Promise<void>((resolve) => {
      ws.on('message', (data: Buffer, isBinary) => {
        got.push(isBinary ? data : data.toString('utf8'));
        if (got.length === sent.length) resolve();
      });
    });
    for (const m of sent) ws.send(m);
    await all;
    expect(got).toEqual(sent);
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
    await new Promise((resolve) => wss.close(resolve));
  }, 30_000);

  it('MQTT.js against mosquitto: 1,000 QoS-1 messages arrive in order', async () => {
    const broker = await mosquitto();
    try {
      const conn = await retry(() => connect({ host: LOOPBACK, port: broker.port }));
      // MQTT.js builds its stream synchronously: the connection is opened first.
      const client = new MqttClient(() => toDuplex(conn), {
        protocolVersion: 4,
        reconnectPeriod: 0,
        clean: true,
      });
      await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
      const got: string[] = [];
      const all = new Promise<void>((resolve) => {
        client.on('message', (_topic, payload: Buffer) => {
          got.push(payload.toString());
          if (got.length === 1000) resolve();
        });
      });
      await client.subscribeAsync('sockflow/test', { qos: 1 });
      const sent = Array.from({ length: 1000 }, (_, i) => `message ${i}`);
      await Promise.all(sent.map((m) => client.publishAsync('sockflow/test', m, { qos: 1 })));
      await all;
      expect(got).toEqual(sent);
      await client.endAsync();
    } finally {
      await broker.stop();
    }
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
