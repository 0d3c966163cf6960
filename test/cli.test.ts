// The sockflow command (issue 18), run in-process with its standard streams injected, against
// socat as a real peer: 32 MiB of random bytes each way arrive with the same SHA-256, and the
// end of standard input half-closes as nc -N does.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/run.js';
import { listenCommand } from '../src/cli/listen.js';
import { bind, type IpcAddress, type TcpAddress } from '../src/core/index.js';
import { certs } from './tls-certs.js';

/** Standard streams for a command: `stdin` from `input`, output collected. */
function stdio(input: Readable = Readable.from([])): {
  io: { stdin: Readable; stdout: Writable; stderr: Writable };
  out: () => Buffer;
  err: () => string;
  hash: () => string;
} {
  const chunks: Buffer[] = [];
  const sha = createHash('sha256');
  let errText = '';
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (chunks.length < 64) chunks.push(chunk);
      sha.update(chunk);
      cb();
    },
  });
  const stderr = new Writable({
    write(chunk: Buffer, _enc, cb) {
      errText += chunk.toString();
      cb();
    },
  });
  let digest: string | undefined;
  return {
    io: { stdin: input, stdout, stderr },
    out: () => Buffer.concat(chunks),
    err: () => errText,
    hash: () => (digest ??= sha.digest('hex')),
  };
}

/** A TCP port nothing listens on (bound, then closed). */
async function freePort(): Promise<number> {
  const s = await bind({ host: '127.0.0.1', port: 0 });
  const { port } = s.address;
  await s.close();
  return port;
}

/**
 * A port for socat to listen on, outside Linux's ephemeral range (32768-60999): the tests of
 * other files running meanwhile listen on port 0, and one of them could otherwise take the
 * port between our choice and socat's bind (our connection would then reach their listener).
 */
function socatPort(): number {
  return 20_000 + Math.floor(Math.random() * 10_000);
}

/** Waits until a TCP listener accepts on `port` (socat binds in its own time). */
async function listening(port: number): Promise<void> {
  const net = await import('node:net');
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

const MIB32 = 32 * 1024 * 1024;

describe('the sockflow command', () => {
  it('--help for the command and each subcommand; a bad command line is one line and exit code 2', async () => {
    for (const args of [['--help'], ['connect', '--help'], ['listen', '-h'], ['demo', '--help']]) {
      const s = stdio();
      expect(await run(args, s.io)).toBe(0);
      expect(s.out().toString()).toMatch(/^Usage: sockflow/);
    }
    for (const [args, message] of [
      [[], null],
      [['frobnicate'], /unknown command: "frobnicate"/],
      [['connect', 'localhost'], /missing port/],
      [['connect', 'localhost', '70000'], /port must be an integer from 0 to 65535/],
      [['connect', 'localhost', '80', 'extra'], /unexpected argument: "extra"/],
      [['connect', '--bogus', 'localhost', '80'], /Unknown option '--bogus'/],
      [['listen', '--tls', '0'], /--tls needs --cert and --key/],
      [['connect', '--udp', '--unix', '/tmp/x'], /--udp and --unix exclude each other/],
      [['listen', '--udp', '--tls', '0'], /--udp and --tls exclude each other/],
      [['connect', '--insecure', 'localhost', '80'], /--ca and --insecure go with --tls/],
      [['connect', '--timeout', 'soon', 'localhost', '80'], /--timeout must be a positive/],
      [['demo', 'now'], /demo takes no arguments: "now"/],
    ] as const) {
      const s = stdio();
      expect(await run(args, s.io)).toBe(2);
      if (message !== null) {
        expect(s.err()).toMatch(message);
        expect(s.err().trim().split('\n')).toHaveLength(1);
      }
    }
  });

  it('demo (npm start) runs an echo server and a client and exits 0 when the echo is intact', async () => {
    const s = stdio();
    expect(await run(['demo'], s.io)).toBe(0);
    const out = s.out().toString();
    expect(out).toMatch(/^server +listening on 127\.0\.0\.1:\d+$/m);
    expect(out).toContain('client sent FIN; reading the echo');
    expect(out).toMatch(/connection closed: 52 bytes in, 52 out/);
    expect(out.trimEnd().split('\n').at(-1)).toBe('demo   done: the echo was intact');
  });

  it('a connection error exits 1 with its code on standard error', async () => {
    const s = stdio();
    expect(await run(['connect', '127.0.0.1', String(await freePort())], s.io)).toBe(1);
    expect(s.err()).toMatch(/^sockflow: ECONNREFUSED: /);
  });

  it('connect: 32 MiB of random bytes into socat arrive whole; the end of input half-closes, as nc -N', async () => {
    const data = randomBytes(MIB32);
    const want = createHash('sha256').update(data).digest('hex');
    const port = socatPort();
    // socat hands what arrives to sha256sum and sends its output back: it can only answer
    // once our FIN told it the input is over, while the connection still receives. (fork:
    // it serves the probe of listening() and then ours.)
    const server = spawn(
      'socat',
      ['-t', '30', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, 'EXEC:sha256sum'],
      { stdio: 'ignore' },
    );
    try {
      await listening(port);
      expect(server.exitCode, 'socat could not listen (port in use?)').toBeNull();
      const s = stdio(Readable.from([data.subarray(0, MIB32 / 2), data.subarray(MIB32 / 2)]));
      const code = await run(['connect', '127.0.0.1', String(port)], s.io);
      expect(s.err()).toBe('');
      expect(code).toBe(0);
      expect(s.out().toString().split(' ')[0]).toBe(want);
    } finally {
      server.kill();
      await once(server, 'exit');
    }
  }, 60_000);

  it('listen: 32 MiB of random bytes from socat arrive with the same SHA-256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockflow-cli-'));
    try {
      const data = randomBytes(MIB32);
      const path = join(dir, 'data');
      writeFileSync(path, data);
      const s = stdio();
      let address: TcpAddress | IpcAddress | undefined;
      const serving = listenCommand(['0'], s.io, { ready: (a) => (address = a) });
      while (address === undefined) await new Promise((r) => setTimeout(r, 5));
      const { port } = address as { port: number };
      const peer = spawn('socat', ['-u', `OPEN:${path}`, `TCP:127.0.0.1:${port}`], {
        stdio: 'ignore',
      });
      const exited = once(peer, 'exit'); // socat may be done before we are
      expect(await serving).toBe(0);
      expect(await exited).toEqual([0, null]);
      expect(s.hash()).toBe(createHash('sha256').update(data).digest('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('listen --echo --keep-open over a Unix socket serves one connect after another', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockflow-cli-'));
    const path = join(dir, 'echo.sock');
    const ac = new AbortController();
    try {
      const server = stdio();
      let ready = false;
      const serving = listenCommand(['--unix', path, '--echo', '--keep-open'], server.io, {
        ready: () => (ready = true),
        signal: ac.signal,
      });
      while (!ready) await new Promise((r) => setTimeout(r, 5));
      for (const text of ['first', 'second']) {
        const input = new PassThrough();
        input.end(text);
        const c = stdio(input);
        expect(await run(['connect', '--unix', path], c.io)).toBe(0);
        expect(c.out().toString()).toBe(text);
      }
      ac.abort();
      expect(await serving).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('connect --udp: input goes as datagrams to socat, which echoes them; replies print until the linger ends', async () => {
    const port = socatPort();
    const peer = spawn('socat', [`UDP-RECVFROM:${port},bind=127.0.0.1,fork`, 'EXEC:cat'], {
      stdio: 'ignore',
    });
    try {
      await new Promise((r) => setTimeout(r, 300)); // socat binds in its own time
      const input = new PassThrough();
      input.end('ping over udp');
      const s = stdio(input);
      const started = Date.now();
      expect(
        await run(['connect', '--udp', '--timeout', '500', '127.0.0.1', String(port)], s.io),
      ).toBe(0);
      expect(s.out().toString()).toBe('ping over udp');
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    } finally {
      peer.kill();
      await once(peer, 'exit');
    }
  });

  it('listen --udp --echo answers socat; --udp prints what arrives; an abort ends it with 0', async () => {
    for (const echo of [true, false]) {
      const s = stdio();
      const ac = new AbortController();
      let address: TcpAddress | IpcAddress | undefined;
      const args = ['--udp', ...(echo ? ['--echo'] : []), '0'];
      const serving = listenCommand(args, s.io, { ready: (a) => (address = a), signal: ac.signal });
      while (address === undefined) await new Promise((r) => setTimeout(r, 5));
      const { port } = address as { port: number };
      const peer = spawn('socat', ['-t', '1', '-', `UDP:127.0.0.1:${port}`], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      let answer = '';
      peer.stdout.on('data', (d: Buffer) => (answer += d.toString()));
      const exited = once(peer, 'exit');
      peer.stdin.end('datagram');
      await exited;
      ac.abort();
      expect(await serving).toBe(0);
      expect(echo ? answer : s.out().toString()).toBe('datagram');
    }
  });

  it('TLS: connect --tls --ca verifies listen --tls --cert --key; without the CA it fails with the verification code', async () => {
    const c = certs();
    const server = stdio();
    const ac = new AbortController();
    let address: TcpAddress | IpcAddress | undefined;
    const args = ['--tls', '--cert', c.server.certFile, '--key', c.server.keyFile, '--echo'];
    const serving = listenCommand([...args, '--keep-open', '0'], server.io, {
      ready: (a) => (address = a),
      signal: ac.signal,
    });
    while (address === undefined) await new Promise((r) => setTimeout(r, 5));
    const port = String((address as { port: number }).port);
    const input = new PassThrough();
    input.end('over tls');
    const client = stdio(input);
    expect(await run(['connect', '--tls', '--ca', c.caFile, '127.0.0.1', port], client.io)).toBe(0);
    expect(client.out().toString()).toBe('over tls');
    const untrusted = stdio(Readable.from([]));
    expect(await run(['connect', '--tls', '127.0.0.1', port], untrusted.io)).toBe(1);
    expect(untrusted.err()).toMatch(
      /^sockflow: UNABLE_TO_VERIFY_LEAF_SIGNATURE|^sockflow: SELF_SIGNED_CERT_IN_CHAIN|^sockflow: UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
    );
    const insecure = stdio(Readable.from(['anyway']));
    expect(await run(['connect', '--tls', '--insecure', '127.0.0.1', port], insecure.io)).toBe(0);
    expect(insecure.out().toString()).toBe('anyway');
    ac.abort();
    expect(await serving).toBe(0);
  });
});
