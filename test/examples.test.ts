// Runs the examples the README and the guides show (each is a file in examples/; the docs
// step checks that every shown example is the file's text): the echo server and its clients,
// the chat server, the length-prefixed RPC, the HTTP/1.1 client and the guarded server.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { connect, listen, type Connection } from '../src/core/index.js';
import { lines, messages, sendMessage } from '../src/streams/index.js';
import { serve as serveEcho } from '../examples/echo-server.js';
import { echoOnce } from '../examples/echo-client.js';
import { echoOnce as plainEchoOnce } from '../examples/plain-client.mjs';
import { serveChat } from '../examples/chat-server.js';
import { RpcClient, serve as serveRpc } from '../examples/rpc.js';
import { get } from '../examples/http-client.js';
import { guarded, serveGuarded } from '../examples/guarded-server.js';
import { LOOPBACK, portOf } from './helpers.js';

async function text(conn: Connection): Promise<string> {
  let s = '';
  for await (const chunk of conn) s += Buffer.from(chunk).toString();
  return s;
}

describe('examples/echo-server.ts with its clients', () => {
  it('echoes what the TypeScript client sends, until its FIN', async () => {
    const listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveEcho(listener);
    const big = 'x'.repeat(200_000);
    expect(await echoOnce(portOf(listener), 'hello\n')).toBe('hello\n');
    expect(await echoOnce(portOf(listener), big)).toBe(big);
    await listener.close();
    await serving;
  });

  it('echoes what the plain-JavaScript client (try/finally) sends', async () => {
    const listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveEcho(listener);
    expect(await plainEchoOnce(portOf(listener), 'plain\n')).toBe('plain\n');
    await listener.close();
    await serving;
  });
});

describe('examples/chat-server.ts', () => {
  it('sends each line to every other member, and drops a member whose line is too long', async () => {
    const listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveChat(listener);
    const port = portOf(listener);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => connect({ host: LOOPBACK, port })));
    if (!a || !b || !c) throw new Error('three clients');
    // Wait until the server has all three as members: each sees the others' hello.
    const bLines = lines(b);
    const cLines = lines(c);
    await a.send('hi from a\n');
    expect((await bLines.next()).value).toBe('hi from a');
    expect((await cLines.next()).value).toBe('hi from a');

    await c.send(`${'y'.repeat(2_000)}\n`); // over 1 KiB: c is dropped
    expect(await text(c)).toBe('');
    await b.send('still here\n');
    const aLines = lines(a);
    expect((await aLines.next()).value).toBe('still here');

    await Promise.all([a.close(), b.close(), c.close()]);
    await listener.close();
    await serving;
  });
});

describe('examples/rpc.ts', () => {
  it('calls a handler and reports an unknown op', async () => {
    const listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveRpc(listener, {
      sum: (...xs) => xs.reduce((a: number, x) => a + Number(x), 0),
    });
    await using conn = await connect({ host: LOOPBACK, port: portOf(listener) });
    const client = new RpcClient(conn);
    expect(await client.call('sum', [1, 2, 39])).toBe(42);
    await expect(client.call('nope', [])).rejects.toThrow('no such op: nope');
    await conn.shutdown('send');
    expect(await conn.read()).toBeNull();
    await listener.close();
    await serving;
  });

  it('a call past its deadline leaves the stream intact: the next skips the late reply', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const server = (async () => {
      const s = await listener.accept();
      const requests = messages(s);
      const parse = (m: Uint8Array) => JSON.parse(Buffer.from(m).toString()) as { id: number };
      const first = parse((await requests.next()).value as Uint8Array);
      await new Promise((r) => setTimeout(r, 150)); // too late for the caller's 50 ms
      await sendMessage(s, JSON.stringify({ id: first.id, result: 'late' }));
      const second = parse((await requests.next()).value as Uint8Array);
      await sendMessage(s, JSON.stringify({ id: second.id, result: 'on time' }));
      return s;
    })();
    await using conn = await connect({ host: LOOPBACK, port: portOf(listener) });
    const client = new RpcClient(conn);
    await expect(client.call('slow', [], { timeoutMs: 50 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    await new Promise((r) => setTimeout(r, 200)); // the late reply is in the receive buffer
    expect(await client.call('fast', [])).toBe('on time');
    await Promise.all([conn.close(), server.then((s) => s.close())]);
  });
});

describe('examples/http-client.ts', () => {
  it('reads bodies by Content-Length, chunked, and up to the end of the connection', async () => {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/length') res.end('exactly this');
      else if (path === '/chunked') {
        res.write('one,');
        setTimeout(() => res.end('two'), 20);
      } else {
        res.writeHead(404, { 'X-Why': 'a', 'x-why': 'b' });
        res.end();
      }
    });
    server.listen(0, LOOPBACK);
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    try {
      const a = await get(`http://${LOOPBACK}:${port}/length`);
      expect([a.status, Buffer.from(a.body).toString()]).toEqual([200, 'exactly this']);
      expect(a.headers.get('content-length')).toBe('12');
      const b = await get(`http://${LOOPBACK}:${port}/chunked?x=1`);
      expect([b.status, b.headers.get('transfer-encoding')]).toEqual([200, 'chunked']);
      expect(Buffer.from(b.body).toString()).toBe('one,two');
      const c = await get(`http://${LOOPBACK}:${port}/missing`);
      expect([c.status, c.body.length, c.headers.get('x-why')]).toEqual([404, 0, 'a, b']);
    } finally {
      server.closeAllConnections();
      server.close();
    }

    // No length at all (HTTP/1.0 style): the body is everything until the server's FIN.
    await using raw = await listen({ host: LOOPBACK, port: 0 });
    const rawServer = (async () => {
      await using s = await raw.accept();
      await s.send('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    })();
    const d = await get(`http://${LOOPBACK}:${portOf(raw)}/`);
    expect(Buffer.from(d.body).toString()).toBe('until the end');
    await rawServer;
  });

  it('refuses a body over its limit and a response that is not HTTP', async () => {
    await using raw = await listen({ host: LOOPBACK, port: 0 });
    const answers = ['HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n', 'SSH-2.0-x\r\n\r\n'];
    const rawServer = (async () => {
      for (const a of answers) {
        await using s = await raw.accept();
        await s.send(a);
      }
    })();
    const url = `http://${LOOPBACK}:${portOf(raw)}/`;
    await expect(get(url, { maxBodyBytes: 1024 })).rejects.toThrow('Content-Length 999999999');
    await expect(get(url)).rejects.toThrow('not an HTTP/1.x response');
    await rawServer;
    await expect(get('ftp://example/')).rejects.toThrow(TypeError);
  });
});

describe('examples/guarded-server.ts', () => {
  it('answers lines, and resets a connection whose line is over 4 KiB', async () => {
    const listener = await listen({ host: LOOPBACK, port: 0 }, guarded);
    const serving = serveGuarded(listener);
    const port = portOf(listener);
    {
      await using conn = await connect({ host: LOOPBACK, port });
      await conn.send('four\nsixsix\n');
      await conn.shutdown('send');
      expect(await text(conn)).toBe('4\n6\n');
    }
    {
      await using conn = await connect({ host: LOOPBACK, port });
      await conn.send(`${'z'.repeat(5_000)}\n`);
      await expect(text(conn)).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect((await conn.closed).reason).toBe('peer-reset');
    }
    await listener.close();
    await serving;
  });
});
