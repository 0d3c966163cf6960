// The examples (built: dist/examples/) under whatever runtime runs this: Node, Bun or Deno
// through their node:net. Each example's own functions, driven as test/examples.test.ts and
// its siblings drive them under vitest; one line per example. `npm run test:runtimes` runs it
// under each runtime, after smoke.js.
import { createServer } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedDir } from '../../dist/bench/self-signed.js';
import { connect, listen, bind } from '../../dist/core/index.js';
import { IPAddress, IPEndPoint } from '../../dist/compat/index.js';
import { serve as serveEcho } from '../../dist/examples/echo-server.js';
import { echoOnce } from '../../dist/examples/echo-client.js';
import { echoOnce as plainEchoOnce } from '../../dist/examples/plain-client.mjs';
import { serveChat } from '../../dist/examples/chat-server.js';
import { RpcClient, serve as serveRpc } from '../../dist/examples/rpc.js';
import { get } from '../../dist/examples/http-client.js';
import { serve as serveHttp } from '../../dist/examples/http-server.js';
import { serve as serveResp } from '../../dist/examples/resp-server.js';
import { guarded, serveGuarded } from '../../dist/examples/guarded-server.js';
import { startEchoServer, echoOnce as tlsEchoOnce } from '../../dist/examples/tls-echo.js';
import { smtpClient, smtpServer } from '../../dist/examples/starttls.js';
import { request, serveEcho as serveUdpEcho } from '../../dist/examples/udp.js';
import { EchoServer } from '../../dist/examples/saea-echo-server.js';
import { lines } from '../../dist/streams/index.js';
import { failures, step } from './step.js';

const HOST = '127.0.0.1';
const portOf = (listener) => listener.address.port;

/** Everything a client gets after sending `request` and its FIN, until the server closes. */
async function exchange(port, request) {
  const conn = await connect({ host: HOST, port });
  await conn.send(request);
  await conn.shutdown('send');
  const got = await text(conn);
  await conn.close();
  return got;
}

async function text(conn) {
  let s = '';
  for await (const chunk of conn) s += Buffer.from(chunk).toString();
  return s;
}

await step('http-server.ts: three requests pipelined in one write, answered in order', async () => {
  const listener = await listen({ host: HOST, port: 0 });
  const serving = serveHttp(listener);
  const got = await exchange(
    portOf(listener),
    'GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi' +
      'GET /3 HTTP/1.1\r\nConnection: close\r\n\r\n',
  );
  await listener.close();
  await serving;
  const bodies = got
    .split('HTTP/1.1 200 OK\r\n')
    .slice(1)
    .map((r) => r.split('\r\n\r\n')[1]);
  if (bodies.join('|') !== 'hello /1\n|2 bytes to /2\n|hello /3\n') throw new Error(got);
});

await step('resp-server.ts: SET, GET and PING pipelined', async () => {
  const listener = await listen({ host: HOST, port: 0 });
  const serving = serveResp(listener);
  const got = await exchange(
    portOf(listener),
    '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n',
  );
  await listener.close();
  await serving;
  if (got !== '+OK\r\n$2\r\nv1\r\n+PONG\r\n') throw new Error(JSON.stringify(got));
});

await step('echo-server.ts with echo-client.ts and plain-client.mjs', async () => {
  const listener = await listen({ host: HOST, port: 0 });
  const serving = serveEcho(listener);
  const big = 'x'.repeat(200_000);
  if ((await echoOnce(portOf(listener), big)) !== big) throw new Error('echo differs');
  if ((await plainEchoOnce(portOf(listener), 'plain\n')) !== 'plain\n') throw new Error('plain');
  await listener.close();
  await serving;
});

await step('chat-server.ts: a line to every other member', async () => {
  const listener = await listen({ host: HOST, port: 0 });
  const serving = serveChat(listener);
  const [a, b] = await Promise.all(
    [1, 2].map(() => connect({ host: HOST, port: portOf(listener) })),
  );
  await a.send('hi\n');
  const got = (await lines(b).next()).value;
  await Promise.all([a.close(), b.close()]);
  await listener.close();
  await serving;
  if (got !== 'hi') throw new Error(`got ${got}`);
});

await step('rpc.ts: a call and an unknown op', async () => {
  const listener = await listen({ host: HOST, port: 0 });
  const serving = serveRpc(listener, { sum: (...xs) => xs.reduce((s, x) => s + x, 0) });
  const conn = await connect({ host: HOST, port: portOf(listener) });
  const client = new RpcClient(conn);
  const sum = await client.call('sum', [1, 2, 39]);
  const unknown = await client.call('nope', []).then(
    () => 'resolved',
    (err) => err.message,
  );
  await conn.close();
  await listener.close();
  await serving;
  if (sum !== 42 || unknown !== 'no such op: nope') throw new Error(`${sum} ${unknown}`);
});

await step('http-client.ts against node:http: Content-Length and chunked', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/length') res.end('exactly this');
    else {
      res.write('one,');
      setTimeout(() => res.end('two'), 20);
    }
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  try {
    const { port } = server.address();
    const a = await get(`http://${HOST}:${port}/length`);
    const b = await get(`http://${HOST}:${port}/chunked`);
    const got = `${Buffer.from(a.body)} ${Buffer.from(b.body)}`;
    if (got !== 'exactly this one,two') throw new Error(got);
  } finally {
    server.closeAllConnections?.();
    server.close();
  }
});

await step('guarded-server.ts: answers a line, resets an overlong one', async () => {
  const listener = await listen({ host: HOST, port: 0 }, guarded);
  const serving = serveGuarded(listener);
  const ok = await connect({ host: HOST, port: portOf(listener) });
  await ok.send('four\n');
  await ok.shutdown('send');
  const answer = await text(ok);
  await ok.close();
  const long = await connect({ host: HOST, port: portOf(listener) });
  await long.send(`${'z'.repeat(5_000)}\n`);
  const ended = await text(long).then(
    (s) => `EOF after ${s.length} bytes`,
    (err) => err.code,
  );
  await long.close();
  await listener.close();
  await serving;
  if (answer !== '4\n') throw new Error(`answer ${answer}`);
  return `overlong line: ${ended}`;
});

const dir = selfSignedDir('sockflow-examples-tls-');
const key = readFileSync(join(dir, 'key.pem'));
const cert = readFileSync(join(dir, 'cert.pem'));
rmSync(dir, { recursive: true, force: true });

await step('tls-echo.ts: verified TLS with ALPN', async () => {
  const listener = await startEchoServer(key, cert);
  try {
    const r = await tlsEchoOnce(portOf(listener), cert, 'hello, TLS');
    if (r.reply !== 'hello, TLS') throw new Error(r.reply);
    return `${r.protocol}, ${r.alpn}`;
  } finally {
    await listener.close();
  }
});

await step('starttls.ts: SMTP-style STARTTLS', async () => {
  const listener = await listen({ host: HOST, port: 0 });
  try {
    const [reply, command] = await Promise.all([
      connect({ host: HOST, port: portOf(listener) }).then((conn) => smtpClient(conn, cert)),
      listener.accept().then((conn) => smtpServer(conn, { isServer: true, key, cert })),
    ]);
    if (reply !== '250 OK') throw new Error(`${reply} ${command}`);
  } finally {
    await listener.close();
  }
});

await step('udp.ts: echo server and request/response client', async () => {
  const server = await bind({ host: HOST, port: 0 });
  const serving = serveUdpEcho(server);
  const reply = await request({ host: HOST, port: server.address.port }, Buffer.from('ping'));
  await server.close();
  await serving;
  if (Buffer.from(reply).toString() !== 'ping') throw new Error('reply differs');
});

await step('saea-echo-server.ts: .NET echo server on compat, 20 clients', async () => {
  const server = new EchoServer({ maxConnections: 4, receiveBufferSize: 1024, backlog: 64 });
  server.init();
  await server.start(new IPEndPoint(IPAddress.Loopback, 0));
  try {
    const sizes = Array.from({ length: 20 }, (_, i) => 1 + ((i * 7919) % 20_000));
    await Promise.all(
      sizes.map(async (size) => {
        const conn = await connect({ host: HOST, port: server.port });
        const data = Buffer.alloc(size, size & 0xff);
        const [, echoed] = await Promise.all([
          conn.send(data).then(() => conn.shutdown('send')),
          text(conn),
        ]);
        await conn.close();
        if (echoed.length !== size) throw new Error(`echoed ${echoed.length} of ${size}`);
      }),
    );
    return `${server.totalBytesRead} bytes, at most ${server.maxConnectedClients} at once`;
  } finally {
    server.stop();
  }
});

console.log(failures() === 0 ? 'every example ran' : `${failures()} example(s) failed`);
process.exit(failures() === 0 ? 0 : 1);
