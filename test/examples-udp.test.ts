// Runs the UDP examples of docs/datagrams.md (examples/udp.ts).
import { describe, expect, it } from 'vitest';
import { bind } from '../src/core/index.js';
import { request, serveEcho } from '../examples/udp.js';

describe('examples/udp.ts', () => {
  it('the echo server answers the request/response client', async () => {
    await using server = await bind({ host: '127.0.0.1', port: 0 });
    const serving = serveEcho(server);
    const reply = await request(
      { host: '127.0.0.1', port: server.address.port },
      Buffer.from('what is my name?'),
    );
    expect(Buffer.from(reply).toString()).toBe('what is my name?');
    await server.close();
    await serving;
  });

  it('a lost request is sent again; a reply to an old id is skipped', async () => {
    await using server = await bind({ host: '127.0.0.1', port: 0 });
    // Drops the first request, answers the second with a stale id first, then the right one.
    const serving = (async () => {
      await server.receive();
      const { data, from } = await server.receive();
      const back = { host: from.address, port: from.port };
      const stale = Buffer.from(data);
      stale.writeUInt16BE((stale.readUInt16BE(0) + 1) & 0xffff, 0);
      await server.send(stale, back);
      await server.send(data, back);
    })();
    const reply = await request(
      { host: '127.0.0.1', port: server.address.port },
      Buffer.from('again'),
      { timeoutMs: 100 },
    );
    expect(Buffer.from(reply).toString()).toBe('again');
    await serving;
  });

  it('no reply at all: the client gives up after its attempts', async () => {
    await using silent = await bind({ host: '127.0.0.1', port: 0 });
    await expect(
      request({ host: '127.0.0.1', port: silent.address.port }, Buffer.from('?'), {
        timeoutMs: 50,
        attempts: 2,
      }),
    ).rejects.toThrow('after 2 attempts');
    expect(silent.queuedDatagrams).toBe(2);
  });
});
