// connect() and listen() by IPv4 and IPv6 literal, by name, and on all interfaces.
import { describe, expect, it } from 'vitest';
import { connect, listen } from '../src/core/index.js';
import { portOf } from './helpers.js';

async function roundTrip(listenHost: string | undefined, connectHost: string | undefined) {
  await using listener = await listen(
    listenHost === undefined ? { port: 0 } : { host: listenHost, port: 0 },
  );
  const port = portOf(listener);
  const [client, server] = await Promise.all([
    connect(connectHost === undefined ? { port } : { host: connectHost, port }),
    listener.accept(),
  ]);
  await client.send('ping');
  await client.shutdown('send');
  expect(Buffer.from((await server.read()) ?? []).toString()).toBe('ping');
  const addresses = {
    clientRemote: client.remoteAddress,
    clientLocal: client.localAddress,
    serverRemote: server.remoteAddress,
    serverLocal: server.localAddress,
  };
  await Promise.all([client.reset(), server.reset()]);
  return { port, ...addresses };
}

describe('addresses', () => {
  it('connects to an IPv6 literal and reports IPv6 addresses both ways', async () => {
    const r = await roundTrip('::1', '::1');
    expect(r.clientRemote).toEqual({ address: '::1', port: r.port, family: 'IPv6' });
    expect(r.clientLocal).toMatchObject({ address: '::1', family: 'IPv6' });
    expect(r.serverRemote).toEqual({ ...r.clientLocal });
  });

  it('connects to an IPv4 literal', async () => {
    const r = await roundTrip('127.0.0.1', '127.0.0.1');
    expect(r.clientRemote).toEqual({ address: '127.0.0.1', port: r.port, family: 'IPv4' });
  });

  it('connects by name: "localhost", and localhost when host is omitted', async () => {
    const byName = await roundTrip('127.0.0.1', 'localhost');
    expect(byName.clientRemote).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const omitted = await roundTrip('127.0.0.1', undefined);
    expect(omitted.clientRemote).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
  });

  it('listens on all interfaces when host is omitted: reachable over IPv4 and IPv6', async () => {
    const v4 = await roundTrip(undefined, '127.0.0.1');
    expect(v4.clientRemote).toMatchObject({ address: '127.0.0.1' });
    const v6 = await roundTrip(undefined, '::1');
    expect(v6.clientRemote).toMatchObject({ address: '::1', family: 'IPv6' });
  });

  it("an accepted connection's local address is the one the client reached, on every interface too", async () => {
    const fixed = await roundTrip('127.0.0.1', '127.0.0.1');
    expect(fixed.serverLocal).toEqual({ address: '127.0.0.1', port: fixed.port, family: 'IPv4' });
    expect(fixed.serverRemote).toEqual({ ...fixed.clientLocal });
    const v4 = await roundTrip(undefined, '127.0.0.1');
    expect(v4.serverLocal).toMatchObject({ port: v4.port });
    expect((v4.serverLocal as { address: string }).address).toMatch(/127\.0\.0\.1$/);
    const v6 = await roundTrip(undefined, '::1');
    expect(v6.serverLocal).toEqual({ address: '::1', port: v6.port, family: 'IPv6' });
  });

  it('both addresses outlive the connection, reset by the peer before anyone asked', async () => {
    await using listener = await listen({ host: '127.0.0.1', port: 0 });
    const port = portOf(listener);
    const [client, server] = await Promise.all([
      connect({ host: '127.0.0.1', port }),
      listener.accept(),
    ]);
    const clientPort = (client.localAddress as { port: number }).port;
    await client.reset();
    await expect(server.read()).rejects.toMatchObject({ code: 'ECONNRESET' });
    await server.closed;
    expect(server.remoteAddress).toEqual({
      address: '127.0.0.1',
      port: clientPort,
      family: 'IPv4',
    });
    expect(server.localAddress).toEqual({ address: '127.0.0.1', port, family: 'IPv4' });
    for (const a of [server.remoteAddress, server.localAddress, client.localAddress]) {
      expect(Object.isFrozen(a)).toBe(true);
    }
  });
});
