// Runs the recipes of docs/recipes.md: sockflow connections under the libraries people already
// use, each through its documented hook, against a real server. node:http's keep-alive Agent
// (examples/http-agent.ts), undici (examples/undici-agent.ts), ws (examples/ws-client.ts) and
// MQTT.js against a throwaway mosquitto (examples/mqtt-client.ts); pg is in
// examples-pg.test.ts.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { getText, sockflowAgent } from '../examples/http-agent.js';
import { connectMqtt } from '../examples/mqtt-client.js';
import { sockflowDispatcher } from '../examples/undici-agent.js';
import { openWebSocket } from '../examples/ws-client.js';
import { listen } from '../src/core/index.js';
import { LOOPBACK, portOf, readAll } from './helpers.js';
import { certs } from './tls-certs.js';
import { freePort, mosquitto } from '../bench/throwaway-servers.js';

/** A node:http (or https) server answering each request with its path, counting connections. */
async function echoPathServer(tls?: { key: string; cert: string }): Promise<{
  url: string;
  accepted: () => number;
  close: () => Promise<void>;
}> {
  let count = 0;
  const answer: http.RequestListener = (req, res) => res.end(`you asked for ${req.url}`);
  const server = tls === undefined ? http.createServer(answer) : https.createServer(tls, answer);
  server.on('connection', () => count++);
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = tls === undefined ? 'http' : 'https';
  return {
    url: `${scheme}://${tls === undefined ? LOOPBACK : 'localhost'}:${port}`,
    accepted: () => count,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("examples/http-agent.ts: node:http's keep-alive Agent over sockflow", () => {
  it('1,000 requests at once over at most 8 connections, bodies checked', async () => {
    const server = await echoPathServer();
    const agent = sockflowAgent({ maxSockets: 8 });
    // All at once: the Agent queues what finds no free socket, as it does for net.Socket,
    // because createConnection gives it a socket at once (connecting).
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => getText(`${server.url}/${i}`, agent)),
    );
    results.forEach((r, i) => expect(r.body).toBe(`you asked for /${i}`));
    expect(server.accepted()).toBeGreaterThan(0);
    expect(server.accepted()).toBeLessThanOrEqual(8); // so each served many, one after another
    agent.destroy();
    await server.close();
  }, 30_000);

  it('an aborted request rejects with the reason; the next ones reuse a socket; a refused connection fails the request', async () => {
    const server = await echoPathServer();
    const agent = sockflowAgent();
    const reason = new Error('caller gave up');
    await expect(
      getText(`${server.url}/a`, agent, AbortSignal.abort(reason)),
    ).rejects.toMatchObject({
      name: 'AbortError',
      cause: reason,
    });
    expect((await getText(`${server.url}/b`, agent)).body).toBe('you asked for /b');
    // The next request one after another takes the pooled socket.
    expect(await getText(`${server.url}/c`, agent)).toMatchObject({
      body: 'you asked for /c',
      reused: true,
    });
    const nobody = await freePort();
    await expect(getText(`http://${LOOPBACK}:${nobody}/`, agent)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    agent.destroy();
    await server.close();
  });
});

describe('examples/undici-agent.ts: undici (fetch) over sockflow', () => {
  it('1,000 fetch calls over at most 8 connections, bodies checked', async () => {
    const server = await echoPathServer();
    const dispatcher = sockflowDispatcher({ connections: 8 });
    const bodies = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const res = await fetch(`${server.url}/${i}`, { dispatcher });
        return res.text();
      }),
    );
    bodies.forEach((body, i) => expect(body).toBe(`you asked for /${i}`));
    expect(server.accepted()).toBeGreaterThan(0);
    expect(server.accepted()).toBeLessThanOrEqual(8);
    await dispatcher.close();
    await server.close();
  }, 30_000);

  it("https: through sockflow's TLS, the server verified; an aborted fetch rejects", async () => {
    const c = certs();
    const server = await echoPathServer({ key: c.server.key, cert: c.server.cert });
    const dispatcher = sockflowDispatcher({ tls: { ca: c.ca } });
    const res = await fetch(`${server.url}/secure`, { dispatcher });
    expect(await res.text()).toBe('you asked for /secure');
    const aborted = fetch(`${server.url}/never`, { dispatcher, signal: AbortSignal.abort() });
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    await dispatcher.close();
    const untrusted = sockflowDispatcher({ tls: { ca: c.selfSigned.cert } });
    await expect(fetch(`${server.url}/`, { dispatcher: untrusted })).rejects.toThrow();
    await untrusted.close();
    await server.close();
  });
});

describe('examples/ws-client.ts: ws over sockflow', () => {
  it('1,000 text and binary messages echoed in order', async () => {
    const wss = new WebSocketServer({ host: LOOPBACK, port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    wss.on('connection', (peer) => {
      peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
    });
    const { port } = wss.address() as AddressInfo;
    const ws = await openWebSocket(`ws://${LOOPBACK}:${port}/`);
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

  it('a refused connection rejects openWebSocket', async () => {
    const nobody = await freePort();
    await expect(openWebSocket(`ws://${LOOPBACK}:${nobody}/`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});

describe('examples/mqtt-client.ts: MQTT.js over sockflow, against mosquitto', () => {
  it('1,000 QoS-1 messages arrive in order', async () => {
    const broker = await mosquitto();
    try {
      const client = await connectMqtt({ host: LOOPBACK, port: broker.port }, { clean: true });
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

  it('reconnects by itself when the broker restarts: a new sockflow connection, subscriptions renewed', async () => {
    const port = await freePort();
    let broker = await mosquitto(port);
    const client = await connectMqtt({ host: LOOPBACK, port }, { reconnectPeriod: 100 });
    try {
      await client.subscribeAsync('sockflow/restart', { qos: 1 });
      await broker.stop();
      const reconnected = new Promise((resolve) => client.once('connect', resolve));
      broker = await mosquitto(port);
      await reconnected;
      const got = new Promise<string>((resolve) => {
        client.once('message', (_topic, payload: Buffer) => resolve(payload.toString()));
      });
      await client.publishAsync('sockflow/restart', 'after the restart', { qos: 1 });
      expect(await got).toBe('after the restart');
      await client.endAsync();
    } finally {
      await broker.stop();
    }
  }, 30_000);

  it('a server that is not a broker: connectMqtt rejects within its deadline, the connection closed', async () => {
    // Accepts and says nothing: MQTT.js would wait for CONNACK for ever.
    await using silent = await listen({ host: LOOPBACK, port: 0 });
    const port = portOf(silent);
    const started = Date.now();
    await expect(
      connectMqtt({ host: LOOPBACK, port }, {}, AbortSignal.timeout(300)),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
    // The example closed its connection: the server reads MQTT's CONNECT, then EOF.
    await using accepted = await silent.accept();
    expect((await readAll(accepted))[0]).toBe(0x10);
  });
});
