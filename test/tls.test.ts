// TLS as a transport: verification on connect, handshake failures kept away from accept(),
// what conn.tls says, close_notify and reset, and bad options. The conformance suites run over
// TLS through `transports` (test/helpers.ts); STARTTLS is in test/start-tls.test.ts, real
// OpenSSL peers in test/tls-openssl.test.ts.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  connect,
  listen,
  type Connection,
  type Listener,
  type TlsClientOptions,
  TlsTruncatedError,
} from '../src/core/index.js';
import { cachedClientContexts, CLIENT_CONTEXTS_LIMIT } from '../src/core/tls-contexts.js';
import { resolveTlsClient } from '../src/core/tls-options.js';
import { LOOPBACK, pair, pairOf, portOf, readAll, tlsPair, until, type Pair } from './helpers.js';
import { certs } from './tls-certs.js';

const c = certs();
const serverTls = { key: c.server.key, cert: c.server.cert };

async function tlsListener(extra: object = {}) {
  return listen({ host: LOOPBACK, port: 0 }, { tls: { ...serverTls, ...extra } });
}

/** A TLS client of `listener` and the connection accepted for it; disposing resets both. */
async function accepted(
  listener: Listener,
  tlsOptions: TlsClientOptions,
  host = LOOPBACK,
): Promise<Pair> {
  const [client, server] = await Promise.all([
    connect({ host, port: portOf(listener) }, { tls: tlsOptions }),
    listener.accept(),
  ]);
  return pairOf(client, server, listener);
}

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

describe('connect(to, { tls }): verification is on by default', () => {
  it('resolves after the handshake with a certificate that chains to ca and names the host', async () => {
    await using p = await accepted(await tlsListener(), { ca: c.ca }, 'localhost');
    expect(p.client.tls?.authorized).toBe(true);
    expect(p.client.tls?.peerCertificate?.subject.CN).toBe('localhost');
    await p.client.send('over tls');
    await p.client.shutdown('send');
    expect((await readAll(p.server)).toString()).toBe('over tls');
  });

  it.each([
    ['no ca: Node only trusts its bundled roots', {}, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    [
      'a name the certificate does not have',
      { ca: c.ca, servername: 'other.example' },
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
  ])('rejects with Node code: %s', async (_what, options, code) => {
    await using listener = await tlsListener();
    const err = await connect({ host: LOOPBACK, port: portOf(listener) }, { tls: options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(codeOf(err)).toBe(code);
    await until(() => listener.handshakeFailures === 1);
    expect(listener.pendingConnections).toBe(0);
  });

  it('rejects a self-signed certificate with DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    await using listener = await listen(
      { host: LOOPBACK, port: 0 },
      { tls: { key: c.selfSigned.key, cert: c.selfSigned.cert } },
    );
    const err = await connect({ host: LOOPBACK, port: portOf(listener) }, { tls: {} }).catch(
      (e: unknown) => e,
    );
    expect(codeOf(err)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('rejectUnauthorized: false connects anyway and says why the peer is not verified', async () => {
    await using p = await accepted(await tlsListener(), { rejectUnauthorized: false });
    expect(p.client.tls?.authorized).toBe(false);
    expect(p.client.tls?.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('an aborted TLS connect rejects with the reason and leaves no socket behind', async () => {
    await using listener = await tlsListener();
    const ac = new AbortController();
    const attempt = connect(
      { host: LOOPBACK, port: portOf(listener) },
      { tls: { ca: c.ca }, signal: ac.signal },
    );
    ac.abort(new Error('changed my mind'));
    await expect(attempt).rejects.toThrow('changed my mind');
  });

  it('bad options reject with typed errors before any I/O', async () => {
    const to = { host: LOOPBACK, port: 1 };
    await expect(connect(to, { tls: 'yes' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(connect(to, { tls: { ca: 42 as never } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(connect(to, { tls: { alpnProtocols: [''] } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(connect(to, { tls: { rejectUnauthorized: 'no' as never } })).rejects.toMatchObject(
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
    // Bytes that are not a certificate: OpenSSL's own code, before connecting.
    await expect(
      connect(to, { tls: { ca: c.ca, cert: 'not a certificate', key: 'nor a key' } }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_OSSL_/) as unknown });
  });
});

describe('client secure contexts are shared by equal credentials', () => {
  const contextOf = (options: TlsClientOptions) => resolveTlsClient(options).options.secureContext;

  it('equal bytes in different objects get the same context; different ones never do', () => {
    // A representation of the CA no other test uses: this test starts with a miss.
    const pem = `${c.ca}\n\n`;
    const first = contextOf({ ca: Buffer.from(pem) });
    expect(contextOf({ ca: Buffer.from(pem) })).toBe(first);
    expect(contextOf({ ca: [Buffer.from(pem)] })).toBe(first); // one certificate either way
    expect(contextOf({ ca: pem })).not.toBe(first);
    expect(contextOf({ ca: Buffer.from(pem), maxVersion: 'TLSv1.2' })).not.toBe(first);
    expect(contextOf({ ca: Buffer.from(pem), cert: c.client.cert, key: c.client.key })).not.toBe(
      first,
    );
    expect(contextOf({ ca: c.selfSigned.cert })).not.toBe(contextOf({ ca: c.ca }));
  });

  it(`keeps at most ${CLIENT_CONTEXTS_LIMIT}, dropping the least recently used first`, () => {
    // Each trailing-newline count is different bytes for the same certificate: a new context.
    const variant = (i: number) => ({ ca: `${c.ca}${'\n'.repeat(3 + i)}` });
    const oldest = contextOf(variant(0));
    const kept = contextOf(variant(1));
    for (let i = 2; i < CLIENT_CONTEXTS_LIMIT + 20; i++) {
      contextOf(variant(i));
      contextOf(variant(1)); // used again and again: never the least recent
      expect(cachedClientContexts()).toBeLessThanOrEqual(CLIENT_CONTEXTS_LIMIT);
    }
    expect(cachedClientContexts()).toBe(CLIENT_CONTEXTS_LIMIT);
    expect(contextOf(variant(1))).toBe(kept);
    expect(contextOf(variant(0))).not.toBe(oldest);
  });

  it('a shared context verifies each connection: the trusted one connects, an untrusted CA fails', async () => {
    await using listener = await tlsListener();
    const to = { host: LOOPBACK, port: portOf(listener) };
    for (let i = 0; i < 2; i++) {
      const [client, server] = await Promise.all([
        connect(to, { tls: { ca: Buffer.from(c.ca) } }),
        listener.accept(),
      ]);
      expect(client.tls?.authorized).toBe(true);
      await Promise.all([client.reset(), server.reset()]);
      const err = await connect(to, { tls: { ca: Buffer.from(c.selfSigned.cert) } }).catch(
        (e: unknown) => e,
      );
      expect(codeOf(err)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    }
  });
});

describe('listen(on, { tls })', () => {
  it('keeps clients that fail their handshake away from accept() and goes on listening', async () => {
    await using listener = await tlsListener({ handshakeTimeout: 200 });
    const port = portOf(listener);
    // A client that does not trust the server, one that speaks plaintext, one that says nothing.
    await connect({ host: LOOPBACK, port }, { tls: {} }).catch(() => undefined);
    const plain = net.connect({ host: LOOPBACK, port });
    plain.on('error', () => {});
    plain.write('GET / HTTP/1.1\r\n\r\n');
    const silent = net.connect({ host: LOOPBACK, port });
    silent.on('error', () => {});
    await until(() => listener.handshakeFailures === 3);
    expect(listener.pendingConnections).toBe(0);
    plain.destroy();
    silent.destroy();
    // A good client still gets through.
    await using p = await accepted(listener, { ca: c.ca });
    expect(p.server.tls?.protocol).toBe('TLSv1.3');
    expect(listener.handshakeFailures).toBe(3);
    await p.client.send('ok');
    expect(await p.server.receive(new Uint8Array(2))).toBe(2);
  });

  it('handshakes in progress count against maxPendingAccepts: a flood of silent clients is bounded', async () => {
    await using listener = await listen(
      { host: LOOPBACK, port: 0 },
      { maxPendingAccepts: 3, tls: { ...serverTls, handshakeTimeout: 60_000 } },
    );
    const port = portOf(listener);
    const silent = Array.from({ length: 8 }, () => {
      const s = net.connect({ host: LOOPBACK, port });
      s.on('error', () => {});
      return s;
    });
    await until(() => listener.droppedConnections === 5);
    for (const s of silent) s.destroy();
    await until(() => listener.handshakeFailures === 3);
  });

  it('close() ends handshakes in progress', async () => {
    const listener = await tlsListener();
    const s = net.connect({ host: LOOPBACK, port: portOf(listener) });
    s.on('error', () => {});
    await once(s, 'connect');
    await until(() => listener.handshakeFailures === 0 && listener.pendingConnections === 0);
    await listener.close();
    await once(s, 'close');
  });

  it('mutual TLS: requestCert lets in clients whose certificate chains to ca, and only them', async () => {
    const listener = await tlsListener({ requestCert: true, ca: c.ca });
    const port = portOf(listener);
    await using p = await accepted(listener, { ca: c.ca, cert: c.client.cert, key: c.client.key });
    expect(p.server.tls?.authorized).toBe(true);
    expect(p.server.tls?.peerCertificate?.subject.CN).toBe('sockflow test client');
    expect(p.client.tls?.peerCertificate?.subject.CN).toBe('localhost');
    // Without a certificate the server refuses the handshake. TLS 1.3 tells the client after
    // its own handshake is done: its first read fails with the server's alert.
    const anonymous = await connect({ host: LOOPBACK, port }, { tls: { ca: c.ca } }).then(
      async (conn) => {
        try {
          return await conn.read();
        } catch (e) {
          return e;
        } finally {
          await conn.reset();
        }
      },
      (e: unknown) => e,
    );
    expect(codeOf(anonymous)).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    await until(() => listener.handshakeFailures === 1);
    expect(listener.pendingConnections).toBe(0);
  });

  it('ALPN: both ends see the protocol they agreed on', async () => {
    const listener = await tlsListener({ alpnProtocols: ['h2', 'http/1.1'] });
    await using p = await accepted(listener, {
      ca: c.ca,
      servername: 'localhost',
      alpnProtocols: ['http/1.1'],
    });
    expect(p.client.tls?.alpnProtocol).toBe('http/1.1');
    expect(p.server.tls?.alpnProtocol).toBe('http/1.1');
    expect(p.server.tls?.servername).toBe('localhost');
  });

  it('bad options reject with typed errors before listening', async () => {
    const on = { host: LOOPBACK, port: 0 };
    await expect(listen(on, { tls: { cert: c.server.cert } as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(listen(on, { tls: { ...serverTls, handshakeTimeout: 0 } })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    await expect(
      listen(on, { tls: { ...serverTls, minVersion: 'SSLv3' as never } }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(listen(on, { tls: { key: 'x', cert: 'y' } })).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_OSSL_/) as unknown,
    });
  });
});

describe('conn.tls', () => {
  it('says what the handshake negotiated, the same object every time; undefined on plain connections', async () => {
    await using p = await tlsPair();
    const info = p.client.tls;
    expect(info).toBe(p.client.tls);
    expect(info?.protocol).toBe('TLSv1.3');
    expect(info?.cipher.name).toMatch(/^TLS_/);
    expect(info?.alpnProtocol).toBeUndefined();
    expect(Object.isFrozen(info)).toBe(true);
    expect(p.server.tls?.peerCertificate).toBeUndefined(); // the client sent none
    await using plain = await pair();
    expect(plain.client.tls).toBeUndefined();
  });

  it('negotiates TLS 1.2 when the client caps it so', async () => {
    await using p = await accepted(await tlsListener(), { ca: c.ca, maxVersion: 'TLSv1.2' });
    expect(p.client.tls?.protocol).toBe('TLSv1.2');
    expect(p.server.tls?.protocol).toBe('TLSv1.2');
  });
});

describe('ending a TLS connection', () => {
  it("shutdown('send') sends close_notify then FIN: the peer sees the end and can still answer", async () => {
    await using p = await tlsPair();
    await p.client.send('question');
    await p.client.shutdown('send');
    expect((await readAll(p.server)).toString()).toBe('question');
    await p.server.send('answer');
    await p.server.shutdown('send');
    expect((await readAll(p.client)).toString()).toBe('answer');
    expect((await p.client.closed).reason).toBe('closed');
    expect((await p.server.closed).reason).toBe('closed');
  });

  it("shutdown('send') reaches a node:tls peer as its 'end', with everything sent before it", async () => {
    const server = tls.createServer({ ...serverTls, allowHalfOpen: true });
    const got = new Promise<string>((resolve) => {
      server.once('secureConnection', (s: tls.TLSSocket) => {
        let text = '';
        s.on('data', (d: Buffer) => (text += d.toString()));
        s.on('end', () => {
          s.end('bye');
          resolve(text);
        });
      });
    });
    server.listen(0, LOOPBACK);
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const conn: Connection = await connect({ host: LOOPBACK, port }, { tls: { ca: c.ca } });
    await conn.send('x'.repeat(100_000));
    await conn.shutdown('send');
    expect(await got).toBe('x'.repeat(100_000));
    expect((await readAll(conn)).toString()).toBe('bye');
    await conn.close();
    server.close();
  });

  it('reset() sends RST under TLS: the peer sees a reset, not an end', async () => {
    await using p = await tlsPair();
    await p.client.send('x');
    await p.client.reset();
    const info = await p.server.closed;
    expect(info.reason).toBe('peer-reset');
    expect(codeOf(info.error)).toBe('ECONNRESET');
  });
});

describe('a TLS connection waiting for accept()', () => {
  it('reset by its client while it waits: accept() still hands it out, and it reports the reset', async () => {
    await using listener = await tlsListener();
    const client = await connect({ host: LOOPBACK, port: portOf(listener) }, { tls: { ca: c.ca } });
    await until(() => listener.pendingConnections === 1);
    await client.reset();
    await new Promise((r) => setTimeout(r, 50)); // the reset reaches the waiting socket
    const conn = await listener.accept();
    const info = await conn.closed;
    expect(info.reason).toBe('peer-reset');
    await expect(conn.read()).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

/**
 * A node:tls peer whose TCP connection is ours to end: `truncate()` sends FIN without
 * close_notify; `end()` sends close_notify, and FIN only `finAfter` ms later (or never).
 * The TLS layer runs over a JavaScript stream so that the TCP FIN is under the test's control.
 */
function controlledPeer(
  raw: net.Socket,
  options: tls.TLSSocketOptions & tls.ConnectionOptions,
  finWithCloseNotify = false,
) {
  const duplex = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      raw.write(chunk, cb);
    },
    final(cb) {
      // close_notify has gone out; the FIN right behind it, or when the test decides.
      if (finWithCloseNotify) raw.end();
      cb();
    },
  });
  raw.on('data', (d: Buffer) => {
    if (!duplex.push(d)) raw.pause();
  });
  raw.on('end', () => duplex.push(null));
  raw.on('error', () => {});
  const secure = options.isServer
    ? new tls.TLSSocket(duplex, { ...options, isServer: true })
    : tls.connect({ ...options, socket: duplex });
  secure.on('error', () => {});
  return { secure, truncate: () => raw.end(), fin: () => raw.end() };
}

/**
 * A sockflow TLS client connected to a `controlledPeer` server (whose FIN the test controls);
 * `close()` stops the plain server it listened on.
 */
async function clientOfControlledPeer(finWithCloseNotify = false, receiveBufferSize?: number) {
  const server = net.createServer({ allowHalfOpen: true });
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const connecting = connect(
    { host: LOOPBACK, port: (server.address() as net.AddressInfo).port },
    { tls: { ca: c.ca, servername: 'localhost' }, ...(receiveBufferSize && { receiveBufferSize }) },
  );
  const [raw] = (await accepted) as [net.Socket];
  const peer = controlledPeer(raw, { isServer: true, ...serverTls }, finWithCloseNotify);
  return { conn: await connecting, peer, close: () => server.close() };
}

describe('a TLS stream cut short (FIN without close_notify)', () => {
  it('a client reads every byte that came, then ERR_TLS_TRUNCATED; closed says error', async () => {
    const { conn, peer, close } = await clientOfControlledPeer();
    peer.secure.write('the first half of a message');
    await until(() => conn.bufferedBytes === 27);
    peer.truncate();
    expect(Buffer.from((await conn.read()) as Uint8Array).toString()).toBe(
      'the first half of a message',
    );
    const err = await conn.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsTruncatedError);
    expect(codeOf(err)).toBe('ERR_TLS_TRUNCATED');
    await expect(conn.read()).rejects.toMatchObject({ code: 'ERR_TLS_TRUNCATED' });
    await conn.send('sending still works'); // only the peer's direction ended
    const info = await conn.close();
    expect(info.reason).toBe('error');
    expect(codeOf(info.error)).toBe('ERR_TLS_TRUNCATED');
    close();
  });

  it('a server sees a client that cuts its stream short the same way', async () => {
    await using listener = await tlsListener();
    const raw = net.connect({ host: LOOPBACK, port: portOf(listener) });
    await once(raw, 'connect');
    const peer = controlledPeer(raw, { ca: c.ca, servername: 'localhost' });
    await once(peer.secure, 'secureConnect');
    const conn = await listener.accept();
    peer.secure.write('partial');
    await until(() => conn.bufferedBytes === 7);
    peer.truncate();
    const got: string[] = [];
    const err = await (async () => {
      for await (const chunk of conn) got.push(Buffer.from(chunk).toString());
    })().catch((e: unknown) => e);
    expect(got.join('')).toBe('partial');
    expect(codeOf(err)).toBe('ERR_TLS_TRUNCATED');
    await conn.reset();
  });

  it('close_notify long before the FIN is a clean end, and so is close_notify with the FIN', async () => {
    for (const finAfter of [0, 100]) {
      const { conn, peer, close } = await clientOfControlledPeer(finAfter === 0);
      peer.secure.end('complete');
      if (finAfter > 0) setTimeout(peer.fin, finAfter);
      expect((await readAll(conn)).toString()).toBe('complete');
      expect(await conn.read()).toBeNull();
      const info = await conn.close();
      expect(info.reason).toBe('closed');
      close();
    }
  });

  it('told apart while reading is paused by a full receive buffer, both ways', async () => {
    for (const truncate of [false, true]) {
      const { conn, peer, close } = await clientOfControlledPeer(!truncate, 1024);
      const big = Buffer.alloc(256 * 1024, 1);
      if (truncate) peer.secure.write(big, () => setTimeout(peer.truncate, 50));
      else peer.secure.end(big); // close_notify and FIN right behind the data
      await until(() => conn.bufferedBytes >= 1024); // reading has paused
      await new Promise((r) => setTimeout(r, 100)); // everything has reached our kernel buffer
      let got = 0;
      const outcome = await (async () => {
        for await (const chunk of conn) got += chunk.length;
        return 'clean';
      })().catch((e: unknown) => codeOf(e));
      expect(got).toBe(big.length);
      expect(outcome).toBe(truncate ? 'ERR_TLS_TRUNCATED' : 'clean');
      await conn.reset();
      close();
    }
  });
});
