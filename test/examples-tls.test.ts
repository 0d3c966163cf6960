// Runs the TLS examples of docs/tls.md: examples/tls-echo.ts and examples/starttls.ts.
import { describe, expect, it } from 'vitest';
import { connect, listen } from '../src/core/index.js';
import { echoOnce, startEchoServer } from '../examples/tls-echo.js';
import { postgresClient, postgresServer, smtpClient, smtpServer } from '../examples/starttls.js';
import { LOOPBACK, portOf } from './helpers.js';
import { certs } from './tls-certs.js';

const c = certs();
const creds = { isServer: true as const, key: c.server.key, cert: c.server.cert };

describe('examples/tls-echo.ts', () => {
  it('echoes over verified TLS 1.3 with the ALPN protocol both sides named', async () => {
    const listener = await startEchoServer(c.server.key, c.server.cert);
    try {
      const r = await echoOnce(portOf(listener), c.ca, 'hello, TLS');
      expect(r).toEqual({ reply: 'hello, TLS', protocol: 'TLSv1.3', alpn: 'echo/1' });
    } finally {
      await listener.close();
    }
  });
});

describe('examples/starttls.ts', () => {
  it('SMTP-style: greeting, pipelined EHLO, STARTTLS, then a command over TLS', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const [reply, command] = await Promise.all([
      connect({ host: LOOPBACK, port: portOf(listener) }).then((conn) => smtpClient(conn, c.ca)),
      listener.accept().then((conn) => smtpServer(conn, creds)),
    ]);
    expect(command).toBe('MAIL FROM:<a@example.com>');
    expect(reply).toBe('250 OK');
  });

  it('PostgreSQL-style: SSLRequest, S, then TLS', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const [, first] = await Promise.all([
      connect({ host: LOOPBACK, port: portOf(listener) }).then((conn) =>
        postgresClient(conn, c.ca),
      ),
      listener.accept().then((conn) => postgresServer(conn, creds)),
    ]);
    expect(Array.from(first)).toEqual([0, 3, 0, 0]);
  });
});
