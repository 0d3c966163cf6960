// node:diagnostics_channel: what sockflow publishes, for tracing and metrics (docs/diagnostics.md).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { connect, listen, type Connection } from '../src/core/index.js';
import { LOOPBACK, portOf, readAll } from './helpers.js';

const CHANNELS = [
  'sockflow:connect',
  'sockflow:connected',
  'sockflow:connect-error',
  'sockflow:accept',
  'sockflow:close',
] as const;

describe('diagnostics channels', () => {
  it('publish connect, connected, accept, close (with outcome and byte counts) and connect-error', async () => {
    const events: { name: string; message: Record<string, unknown> }[] = [];
    const handlers = CHANNELS.map((name) => {
      const h = (message: unknown): void => {
        events.push({ name, message: message as Record<string, unknown> });
      };
      subscribe(name, h);
      return [name, h] as const;
    });
    try {
      const listener = await listen({ host: LOOPBACK, port: 0 });
      const to = { host: LOOPBACK, port: portOf(listener) };
      const [client, server] = await Promise.all([connect(to), listener.accept()]);
      await client.send('hello');
      await client.shutdown('send');
      expect((await readAll(server)).toString()).toBe('hello');
      await Promise.all([client.close(), server.close()]);
      await listener.close();
      // A refused connect: the port is closed now.
      await expect(connect(to)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      const of = (name: string) => events.filter((e) => e.name === name).map((e) => e.message);
      expect(of('sockflow:connect').map((m) => m.address)).toEqual([to, to]);
      expect(of('sockflow:connected')).toEqual([{ address: to, connection: client }]);
      expect(of('sockflow:accept')).toEqual([
        { listenerAddress: listener.address, connection: server },
      ]);
      const errors = of('sockflow:connect-error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ address: to, error: { code: 'ECONNREFUSED' } });
      const closes = of('sockflow:close');
      expect(closes).toHaveLength(2);
      const byPeer = (c: Connection) =>
        closes.find(
          (m) =>
            (m.remoteAddress as { port: number }).port ===
            (c.remoteAddress as { port: number }).port,
        );
      expect(byPeer(client)).toMatchObject({ reason: 'closed', bytesSent: 5, bytesReceived: 0 });
      expect(byPeer(server)).toMatchObject({ reason: 'closed', bytesSent: 0, bytesReceived: 5 });
    } finally {
      for (const [name, h] of handlers) unsubscribe(name, h);
    }
  });
});
