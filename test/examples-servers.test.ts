// The example servers with real clients: examples/http-server.ts under curl (keep-alive, a
// POST body) and a raw client that pipelines requests in one write; examples/resp-server.ts
// under redis-cli and redis-benchmark (Debian's redis-tools; .ci/run installs it and curl);
// examples/reuse-port.ts as it runs, built (its workers are processes of the built file).
import { execFile, execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listen } from '../src/core/index.js';
import { serve as serveHttp } from '../examples/http-server.js';
import { serve as serveResp } from '../examples/resp-server.js';
import { LOOPBACK, portOf } from './helpers.js';
import { connect } from '../src/core/index.js';

const run = promisify(execFile);

/** Everything a raw client gets after writing `request`, until the server closes. */
async function exchange(port: number, request: string): Promise<string> {
  const s = net.connect(port, LOOPBACK);
  s.end(request);
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

describe('examples/http-server.ts', () => {
  it('answers curl: keep-alive over one connection, and a POST body', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveHttp(listener);
    const base = `http://${LOOPBACK}:${portOf(listener)}`;
    // Two URLs in one curl run: the second reuses the first's connection.
    const { stdout, stderr } = await run('curl', ['-sv', `${base}/a`, `${base}/b`]);
    expect(stdout).toBe('hello /a\nhello /b\n');
    expect(stderr).toMatch(/Re-using existing connection|Reusing existing connection/);
    const post = await run('curl', ['-s', '--data-binary', 'twelve bytes', `${base}/upload`]);
    expect(post.stdout).toBe('12 bytes to /upload\n');
    await listener.close();
    await serving;
  });

  it('answers requests pipelined in one write, in order, then closes on Connection: close', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveHttp(listener);
    const got = await exchange(
      portOf(listener),
      'GET /1 HTTP/1.1\r\nHost: x\r\n\r\n' +
        'POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
        'GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const bodies = got
      .split('HTTP/1.1 200 OK\r\n')
      .slice(1)
      .map((r) => r.split('\r\n\r\n')[1]);
    expect(bodies).toEqual(['hello /1\n', '5 bytes to /2\n', 'hello /3\n']);
    expect(got).toContain('Connection: close');
    await listener.close();
    await serving;
  });

  it('a request head over 16 KiB gets 431 and the connection ends; a chunked body gets 400', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveHttp(listener);
    const huge = `GET / HTTP/1.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`;
    expect(await exchange(portOf(listener), huge)).toMatch(/^HTTP\/1\.1 431 /);
    const chunked = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    expect(await exchange(portOf(listener), chunked)).toMatch(/^HTTP\/1\.1 400 /);
    await listener.close();
    await serving;
  });
});

describe('examples/resp-server.ts', () => {
  it('answers redis-cli: PING, SET, GET, a missing key, an unknown command', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveResp(listener);
    const cli = async (...args: string[]): Promise<string> =>
      (await run('redis-cli', ['-h', LOOPBACK, '-p', String(portOf(listener)), ...args])).stdout;
    expect(await cli('PING')).toBe('PONG\n');
    expect(await cli('SET', 'greeting', 'hello world')).toBe('OK\n');
    expect(await cli('GET', 'greeting')).toBe('hello world\n');
    expect(await cli('GET', 'nothing')).toBe('\n'); // (nil) is an empty line when not a tty
    expect(await cli('FLUSHALL')).toMatch(/ERR unknown command/);
    await listener.close();
    await serving;
  });

  it('answers commands that arrive a byte at a time; a malformed header gets -ERR and the end', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const serving = serveResp(listener);
    const s = net.connect(portOf(listener), LOOPBACK);
    s.setNoDelay(true);
    await new Promise((resolve) => s.once('connect', resolve));
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    const commands = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n';
    for (const byte of commands) {
      s.write(byte);
      await new Promise((resolve) => setTimeout(resolve, 1)); // each its own packet
    }
    s.end('*2\r\n$x\r\n');
    await new Promise((resolve) => s.once('close', resolve));
    expect(Buffer.concat(got).toString()).toBe('+OK\r\n$5\r\nvalue\r\n-ERR protocol error\r\n');
    await listener.close();
    await serving;
  });

  it('answers redis-benchmark: 20,000 SETs and GETs pipelined 16 deep; the store holds its value', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const store = new Map<string, string>();
    const serving = serveResp(listener, store);
    const { stdout } = await run('redis-benchmark', [
      ...['-h', LOOPBACK, '-p', String(portOf(listener))],
      ...['-t', 'set,get', '-n', '20000', '-P', '16', '-c', '8', '-q', '-d', '100'],
    ]);
    expect(stdout).toMatch(/SET: [\d.]+ requests per second/);
    expect(stdout).toMatch(/GET: [\d.]+ requests per second/);
    expect(store.get('key:__rand_int__')).toHaveLength(100); // the key redis-benchmark sets
    await listener.close();
    await serving;
  }, 30_000);
});

describe('examples/reuse-port.ts', () => {
  it('where reusePort works, 2 processes share a port and both serve; elsewhere it says why', async () => {
    // Its workers run the built example: build it (the package, then examples/ and bench/).
    const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
    for (const p of ['tsconfig.build.json', 'tsconfig.scripts.json']) {
      execFileSync(process.execPath, [tsc, '-p', p], { cwd: new URL('..', import.meta.url) });
    }
    // Its workers start as a user's would: without the test runner's resolution flags.
    const execArgv = process.execArgv;
    process.execArgv = [];
    onTestFinished(() => {
      process.execArgv = execArgv;
    });
    const built = new URL('../dist/examples/reuse-port.js', import.meta.url).href;
    const { startWorkers } = (await import(built)) as typeof import('../examples/reuse-port.js');
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const supported =
      process.platform === 'linux' &&
      (major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12));
    if (!supported) {
      console.info(`reuse-port.ts on Node ${process.version}: reusePort unsupported, as it says`);
      await expect(startWorkers(0, 2)).rejects.toMatchObject({
        code: 'ERR_SOCKET_REUSEPORT_UNSUPPORTED',
      });
      return;
    }
    const workers = await startWorkers(0, 2);
    try {
      const served = new Map<string, number>();
      for (let i = 0; i < 200; i++) {
        await using c = await connect({ host: LOOPBACK, port: workers.port });
        let line = '';
        for await (const chunk of c) line += Buffer.from(chunk).toString();
        served.set(line, (served.get(line) ?? 0) + 1);
      }
      expect([...served.keys()].sort()).toEqual(workers.pids.map((p) => `served by ${p}\n`).sort());
      for (const n of served.values()) expect(n).toBeGreaterThan(20);
    } finally {
      await workers.stop();
    }
  });
});
