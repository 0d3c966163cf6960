// STARTTLS: a plain connection upgraded in place. The bytes already received when the upgrade
// starts belong to TLS and must reach it: a ClientHello pipelined right behind the command is
// the common case. Both directions: the side that accepted upgrades as TLS server, and the
// side that connected upgrades with the peer's TLS bytes already in its buffer.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { connect, listen, type Connection } from '../src/core/index.js';
import { readUntil } from '../src/streams/index.js';
import { LOOPBACK, ipcPair, pair, portOf, readAll, tlsPair, until } from './helpers.js';
import { certs } from './tls-certs.js';

const c = certs();
const asServer = { isServer: true as const, key: c.server.key, cert: c.server.cert };

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

async function line(conn: Connection): Promise<string> {
  return Buffer.from(await readUntil(conn, '\r\n', { maxBytes: 1024 })).toString();
}

/**
 * A node:tls client whose first flight is sent in one write right behind `prefix`: the
 * STARTTLS command and the ClientHello reach the server in the same segment.
 */
function pipelinedTlsClient(raw: net.Socket, prefix: string, options: tls.ConnectionOptions) {
  let first = true;
  const duplex = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      const out = first ? Buffer.concat([Buffer.from(prefix), chunk]) : chunk;
      first = false;
      raw.write(out, cb);
    },
    final(cb) {
      raw.end();
      cb();
    },
  });
  raw.on('data', (d: Buffer) => {
    if (!duplex.push(d)) raw.pause();
  });
  raw.on('end', () => duplex.push(null));
  raw.on('error', (e) => duplex.destroy(e));
  duplex.on('close', () => raw.destroy());
  return tls.connect({ ...options, socket: duplex });
}

describe('startTls(): nothing lost, nothing misread', () => {
  it('server side: a ClientHello pipelined behind STARTTLS in one segment is handed to TLS', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const raw = net.connect({ host: LOOPBACK, port: portOf(listener) });
    const connected = once(raw, 'connect');
    const plain = await listener.accept();
    await connected;
    const client = pipelinedTlsClient(raw, 'STARTTLS\r\n', {
      ca: c.ca,
      servername: 'localhost',
    });
    const clientSecure = once(client, 'secureConnect');
    // Wait until command and ClientHello sit in the receive buffer together.
    await until(() => plain.bufferedBytes > 'STARTTLS\r\n'.length);
    expect(await line(plain)).toBe('STARTTLS');
    expect(plain.bufferedBytes).toBeGreaterThan(0); // the ClientHello, unread
    const secure = await plain.startTls(asServer);
    await clientSecure;
    client.write('secret');
    client.end();
    expect((await readAll(secure)).toString()).toBe('secret');
    await secure.send('reply');
    await secure.shutdown('send');
    const [got] = await Promise.all([
      (async () => {
        let s = '';
        for await (const d of client) s += (d as Buffer).toString();
        return s;
      })(),
    ]);
    expect(got).toBe('reply');
    expect(await plain.closed).toMatchObject({
      reason: 'upgraded',
      bytesReceived: expect.any(Number) as unknown,
    });
    await secure.close();
  });

  it('client side: the peer\'s ClientHello right behind its "go ahead" line is handed to TLS (the connecting side as TLS server)', async () => {
    const server = net.createServer();
    server.listen(0, LOOPBACK);
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const plain = await connect({
      host: LOOPBACK,
      port: (server.address() as net.AddressInfo).port,
    });
    const [raw] = (await accepted) as [net.Socket];
    const peer = pipelinedTlsClient(raw, 'GO AHEAD\r\n', { ca: c.ca, servername: 'localhost' });
    const peerSecure = once(peer, 'secureConnect');
    await until(() => plain.bufferedBytes > 'GO AHEAD\r\n'.length);
    expect(await line(plain)).toBe('GO AHEAD');
    const secure = await plain.startTls(asServer);
    await peerSecure;
    peer.end('from the peer');
    expect((await readAll(secure)).toString()).toBe('from the peer');
    await secure.close();
    server.close();
  });

  it('SMTP-style between two sockflow ends: greeting, command and ClientHello race', async () => {
    for (let round = 0; round < 20; round++) {
      await using listener = await listen({ host: LOOPBACK, port: 0 });
      const serving = (async () => {
        const conn = await listener.accept();
        void conn.send('220 mail.example ready\r\n'); // the greeting races the client's command
        expect(await line(conn)).toBe('STARTTLS');
        await conn.flush();
        await conn.send('220 go ahead\r\n');
        const secure = await conn.startTls(asServer);
        const got = await readAll(secure);
        await secure.send(got);
        await secure.shutdown('send');
        return secure;
      })();
      const plain = await connect({ host: LOOPBACK, port: portOf(listener) });
      void plain.send('STARTTLS\r\n'); // without waiting for the greeting
      expect(await line(plain)).toBe('220 mail.example ready');
      expect(await line(plain)).toBe('220 go ahead');
      await plain.flush();
      const secure = await plain.startTls({ ca: c.ca }); // verified against 127.0.0.1
      const message = Buffer.alloc(100_000 + round, round);
      await secure.send(message);
      await secure.shutdown('send');
      expect((await readAll(secure)).equals(message)).toBe(true);
      await secure.close();
      await (await serving).close();
    }
  });

  it('PostgreSQL-style over a Unix socket: an 8-byte request, a one-byte answer, then TLS', async () => {
    await using p = await ipcPair();
    const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    await p.client.send(SSL_REQUEST);
    const req = new Uint8Array(8);
    let n = 0;
    while (n < 8) n += await p.server.receive(req.subarray(n));
    expect(Buffer.from(req).equals(SSL_REQUEST)).toBe(true);
    await p.server.send('S');
    const answer = new Uint8Array(1);
    expect(await p.client.receive(answer)).toBe(1);
    expect(String.fromCharCode(answer[0] as number)).toBe('S');
    const [client, server] = await Promise.all([
      p.client.startTls({ ca: c.ca, servername: 'localhost', alpnProtocols: ['postgresql'] }),
      p.server.startTls({ ...asServer, alpnProtocols: ['postgresql'] }),
    ]);
    expect(client.tls?.alpnProtocol).toBe('postgresql');
    expect(server.remoteAddress).toEqual(p.server.remoteAddress);
    await client.send('query');
    await client.shutdown('send');
    expect((await readAll(server)).toString()).toBe('query');
    await Promise.all([client.reset(), server.reset()]);
  });
});

describe('startTls(): the plain connection is spent', () => {
  it('every operation of the plain connection rejects with ERR_SOCKET_CLOSED; closed says upgraded', async () => {
    await using p = await pair();
    await p.client.send('hi');
    expect(await p.server.receive(new Uint8Array(2))).toBe(2);
    const [client, server] = await Promise.all([
      p.client.startTls({ ca: c.ca }),
      p.server.startTls(asServer),
    ]);
    const closed = expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }) as unknown;
    await expect(p.client.send('x')).rejects.toEqual(closed);
    await expect(p.client.read()).rejects.toEqual(closed);
    await expect(p.client.receive(new Uint8Array(1))).rejects.toEqual(closed);
    await expect(p.client.startTls({ ca: c.ca })).rejects.toEqual(closed);
    expect(() => p.client.unshift(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }),
    );
    expect(await p.client.closed).toEqual({ reason: 'upgraded', bytesSent: 2, bytesReceived: 0 });
    expect(await p.server.closed).toEqual({ reason: 'upgraded', bytesSent: 0, bytesReceived: 2 });
    // Closing the spent connection does not touch the secure one.
    await p.client.close();
    await client.send('still here');
    expect(Buffer.from((await server.read()) as Uint8Array).toString()).toBe('still here');
    await Promise.all([client.reset(), server.reset()]);
  });
});

describe('startTls(): refused before anything changes', () => {
  it('while a receive is pending: ERR_SOCKET_BUSY, and the receive still gets its bytes', async () => {
    await using p = await pair();
    const pending = p.server.read();
    await expect(p.server.startTls(asServer)).rejects.toMatchObject({ code: 'ERR_SOCKET_BUSY' });
    await p.client.send('plain');
    expect(Buffer.from((await pending) as Uint8Array).toString()).toBe('plain');
  });

  it('while sends are pending: ERR_SOCKET_BUSY, and the sends complete', async () => {
    await using p = await pair();
    const big = p.client.send(Buffer.alloc(16 << 20));
    expect(p.client.pendingSends).toBeGreaterThan(0);
    await expect(p.client.startTls({ ca: c.ca })).rejects.toMatchObject({
      code: 'ERR_SOCKET_BUSY',
    });
    const reading = readAll(p.server);
    expect(await big).toBe(16 << 20);
    await p.client.shutdown('send');
    expect((await reading).length).toBe(16 << 20);
  });

  it("after shutdown('send') or the peer's EOF: ERR_SOCKET_SHUTDOWN", async () => {
    await using p = await pair();
    await p.client.shutdown('send');
    await expect(p.client.startTls({ ca: c.ca })).rejects.toMatchObject({
      code: 'ERR_SOCKET_SHUTDOWN',
    });
    expect(await p.server.read()).toBeNull();
    await expect(p.server.startTls(asServer)).rejects.toMatchObject({
      code: 'ERR_SOCKET_SHUTDOWN',
    });
  });

  it('on a TLS connection: ERR_TLS_ALREADY_SECURE', async () => {
    await using p = await tlsPair();
    await expect(p.client.startTls({ ca: c.ca })).rejects.toMatchObject({
      code: 'ERR_TLS_ALREADY_SECURE',
    });
    await p.client.send('still fine');
    expect(await p.server.receive(new Uint8Array(10))).toBe(10);
  });

  it('after close(), and for bad options: rejects (never throws), the connection untouched', async () => {
    await using p = await pair();
    await expect(p.client.startTls('tls' as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(p.client.startTls({ isServer: true } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(p.client.startTls({}, { signal: 'x' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await p.client.send('usable');
    expect(await p.server.receive(new Uint8Array(6))).toBe(6);
    await p.client.close({ signal: AbortSignal.timeout(100) });
    await expect(p.client.startTls({ ca: c.ca })).rejects.toMatchObject({
      code: 'ERR_SOCKET_CLOSED',
    });
  });
});

describe('startTls(): a failed or aborted handshake', () => {
  it('rejects with Node code on both sides and closes the socket', async () => {
    await using p = await pair();
    const [client, server] = await Promise.allSettled([
      p.client.startTls({}), // Node's roots do not include the test CA
      p.server.startTls(asServer),
    ]);
    expect(client.status).toBe('rejected');
    expect(codeOf((client as PromiseRejectedResult).reason)).toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    expect(server.status).toBe('rejected');
  });

  it('an abort during the handshake rejects with the reason', async () => {
    await using p = await pair();
    const ac = new AbortController();
    const upgrading = p.server.startTls(asServer, { signal: ac.signal }); // no client hello comes
    ac.abort(new Error('enough'));
    await expect(upgrading).rejects.toThrow('enough');
    expect(await p.client.read()).toBeNull(); // the socket was closed
  });
});
