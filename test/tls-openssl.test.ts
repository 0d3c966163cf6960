// sockflow's TLS against a real third-party peer: Debian's `openssl s_server` and
// `openssl s_client` (.ci/run installs openssl when missing), TLS 1.2 and 1.3, ALPN, client
// certificates, and `s_client -starttls smtp` against a sockflow server that upgrades in place.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { connect, listen, type Connection } from '../src/core/index.js';
import { readUntil } from '../src/streams/index.js';
import { LOOPBACK, portOf, readAll } from './helpers.js';
import { certs } from './tls-certs.js';

const c = certs();

function openssl(args: string[]): ChildProcessWithoutNullStreams & { out: () => string } {
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { out: () => out });
}

async function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

/** `openssl s_server` on a free port: resolves with its port once it accepts. */
async function sServer(args: string[]) {
  const child = openssl([
    's_server',
    '-accept',
    `${LOOPBACK}:0`,
    '-key',
    c.server.keyFile,
    '-cert',
    c.server.certFile,
    '-naccept',
    '1',
    ...args,
  ]);
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (): void => {
      const m = /ACCEPT .*:(\d+)/.exec(child.out());
      if (m !== null) {
        child.stdout.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', () => reject(new Error(`s_server exited: ${child.out()}`)));
  });
  return { child, port };
}

async function line(conn: Connection): Promise<string> {
  return Buffer.from(await readUntil(conn, '\n', { maxBytes: 1024 }))
    .toString()
    .replace(/\r$/, '');
}

describe('sockflow client, openssl s_server', () => {
  it.each([
    ['-tls1_2', 'TLSv1.2'],
    ['-tls1_3', 'TLSv1.3'],
  ])('%s: handshake, ALPN and an echo round trip', async (flag, protocol) => {
    const { child, port } = await sServer([flag, '-alpn', 'sockflow-test', '-rev']);
    const conn = await connect(
      { host: LOOPBACK, port },
      { tls: { ca: c.ca, alpnProtocols: ['other', 'sockflow-test'] } },
    );
    expect(conn.tls?.protocol).toBe(protocol);
    expect(conn.tls?.alpnProtocol).toBe('sockflow-test');
    expect(conn.tls?.peerCertificate?.subject.CN).toBe('localhost');
    await conn.send('hello openssl\n');
    // -rev answers each line reversed.
    let got = '';
    while (!got.includes('lssnepo olleh')) {
      const chunk = await conn.read();
      if (chunk === null) break;
      got += Buffer.from(chunk).toString();
    }
    expect(got).toContain('lssnepo olleh');
    await conn.reset();
    child.kill();
    await exited(child);
  });

  it('verification fails against s_server when the CA is not trusted', async () => {
    const { child, port } = await sServer(['-tls1_3']);
    const err = await connect({ host: LOOPBACK, port }, { tls: {} }).catch((e: unknown) => e);
    expect((err as { code?: unknown }).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    child.kill();
    await exited(child);
  });
});

describe('sockflow server, openssl s_client', () => {
  it.each([
    ['-tls1_2', 'TLSv1.2'],
    ['-tls1_3', 'TLSv1.3'],
  ])('%s with ALPN and a client certificate', async (flag, protocol) => {
    await using listener = await listen(
      { host: LOOPBACK, port: 0 },
      {
        tls: {
          key: c.server.key,
          cert: c.server.cert,
          ca: c.ca,
          requestCert: true,
          alpnProtocols: ['h2', 'sockflow-test'],
        },
      },
    );
    const client = openssl([
      's_client',
      '-connect',
      `${LOOPBACK}:${portOf(listener)}`,
      '-servername',
      'localhost',
      '-CAfile',
      c.caFile,
      '-verify_return_error',
      '-cert',
      c.client.certFile,
      '-key',
      c.client.keyFile,
      '-alpn',
      'sockflow-test',
      '-quiet',
      flag,
    ]);
    client.stdin.write('hello from s_client\n');
    const conn = await listener.accept();
    expect(conn.tls?.protocol).toBe(protocol);
    expect(conn.tls?.alpnProtocol).toBe('sockflow-test');
    expect(conn.tls?.authorized).toBe(true);
    expect(conn.tls?.peerCertificate?.subject.CN).toBe('sockflow test client');
    expect(await line(conn)).toBe('hello from s_client');
    await conn.send('bye from sockflow\n');
    await conn.close({ signal: AbortSignal.timeout(2_000) });
    await exited(client);
    expect(client.out()).toContain('bye from sockflow');
  });

  it('s_client -starttls smtp: greeting, EHLO, STARTTLS, then TLS on the same connection', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const client = openssl([
      's_client',
      '-connect',
      `${LOOPBACK}:${portOf(listener)}`,
      '-starttls',
      'smtp',
      '-servername',
      'localhost',
      '-CAfile',
      c.caFile,
      '-verify_return_error',
      '-quiet',
    ]);
    const plain = await listener.accept();
    await plain.send('220 sockflow ESMTP ready\r\n');
    expect(await line(plain)).toMatch(/^EHLO /);
    await plain.send('250-sockflow greets you\r\n250 STARTTLS\r\n');
    expect(await line(plain)).toBe('STARTTLS');
    await plain.send('220 Go ahead\r\n');
    const secure = await plain.startTls({ isServer: true, key: c.server.key, cert: c.server.cert });
    expect(secure.tls?.protocol).toBe('TLSv1.3');
    client.stdin.write('MAIL FROM:<a@example.com>\r\n');
    expect(await line(secure)).toBe('MAIL FROM:<a@example.com>');
    await secure.send('250 OK over TLS\r\n');
    client.stdin.end();
    await secure.shutdown('send');
    await readAll(secure).catch(() => Buffer.alloc(0));
    await secure.close({ signal: AbortSignal.timeout(2_000) });
    await exited(client);
    expect(client.out()).toContain('250 OK over TLS');
    expect((await plain.closed).reason).toBe('upgraded');
  });
});
