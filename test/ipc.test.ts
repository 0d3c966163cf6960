// Unix domain sockets: the same Connection and Listener over a path.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_PATH_BYTES } from '../src/core/address.js';
import { connect, listen } from '../src/core/index.js';
import { random, readAll } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sockflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Unix domain sockets', () => {
  it('a path longer than the OS allows is refused, not cut short to reach another socket', async () => {
    // Exactly the limit works (107 bytes on Linux, 103 on macOS)...
    const limit = MAX_PATH_BYTES as number;
    const longest = join(dir, 'L'.repeat(limit - dir.length - 1));
    expect(Buffer.byteLength(longest)).toBe(limit);
    await using l = await listen({ path: longest });
    const [client, server] = await Promise.all([connect({ path: longest }), l.accept()]);
    await Promise.all([client.reset(), server.reset()]);
    // ...one byte more is an error: two such paths sharing their first `limit` bytes would
    // otherwise reach the same listener.
    const tooLong = `${longest}X`;
    await expect(connect({ path: tooLong })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await expect(listen({ path: tooLong })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    // Bytes, not characters: 'é' is two.
    await expect(
      connect({ path: join(dir, 'é'.repeat(Math.ceil((limit - dir.length) / 2))) }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('connect and listen by path carry bytes both ways, with half-close', async () => {
    const path = join(dir, 'a.sock');
    await using l = await listen({ path });
    expect(l.address).toEqual({ path });
    const [client, server] = await Promise.all([connect({ path }), l.accept()]);
    expect(client.remoteAddress).toEqual({ path });
    expect(server.localAddress).toEqual({ path });
    const data = random(8 << 20);
    const [got] = await Promise.all([
      readAll(server),
      client.send(data).then(() => client.shutdown()),
    ]);
    expect(got.equals(data)).toBe(true);
    await server.send('bye');
    await server.shutdown();
    expect((await readAll(client)).toString()).toBe('bye');
    expect((await client.closed).reason).toBe('closed');
    expect((await server.closed).reason).toBe('closed');
  });

  it('reset() on a Unix socket closes it; the peer sees the end', async () => {
    const path = join(dir, 'b.sock');
    await using l = await listen({ path });
    const [client, server] = await Promise.all([connect({ path }), l.accept()]);
    expect((await client.reset()).reason).toBe('reset');
    const r = await server.read().catch((e: unknown) => e);
    expect(r === null || (r as { code?: string }).code === 'ECONNRESET').toBe(true);
    await server.close();
  });

  it('close() of the listener removes the socket file', async () => {
    const path = join(dir, 'c.sock');
    const l = await listen({ path });
    expect(existsSync(path)).toBe(true);
    await l.close();
    expect(existsSync(path)).toBe(false);
  });

  it('connecting to a missing path fails with ENOENT', async () => {
    await expect(connect({ path: join(dir, 'missing.sock') })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
