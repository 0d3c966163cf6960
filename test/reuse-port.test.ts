// listen({ reusePort: true }): where the runtime and the platform balance connections over
// several listeners of one port (Node 22.12+ and 23.1+ on Linux), two listeners share the
// port and both get connections; elsewhere (Node 20, which ignores the option) listen()
// rejects with ERR_SOCKET_REUSEPORT_UNSUPPORTED instead of listening alone. Bad input is a
// typed error before any I/O. CI runs this file on Node 20, 22, 24 and 26: both branches.
import { describe, expect, it } from 'vitest';
import { connect, listen, type Listener } from '../src/core/index.js';
import { LOOPBACK, portOf } from './helpers.js';

/** Node's own statement of support, independent of sockflow's probe. */
function nodeSupportsReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const isNode = !('bun' in process.versions) && !('deno' in process.versions);
  return (
    isNode &&
    process.platform === 'linux' &&
    (major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12))
  );
}

async function acceptCount(listener: Listener, into: number[], at: number): Promise<void> {
  for await (const conn of listener) {
    into[at] = (into[at] ?? 0) + 1;
    await conn.close();
  }
}

describe('listen({ reusePort: true })', () => {
  it('bad input: not a boolean, or with a Unix socket path, rejects before any I/O', async () => {
    await expect(listen({ port: 0 }, { reusePort: 'yes' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(listen({ path: '/tmp/nope.sock' }, { reusePort: true })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });

  if (nodeSupportsReusePort()) {
    it(`on Node ${process.version}: two listeners share a port and the kernel spreads connections over both`, async () => {
      await using a = await listen({ host: LOOPBACK, port: 0 }, { reusePort: true });
      await using b = await listen({ host: LOOPBACK, port: portOf(a) }, { reusePort: true });
      const counts: number[] = [0, 0];
      const serving = [acceptCount(a, counts, 0), acceptCount(b, counts, 1)];
      for (let i = 0; i < 200; i++) {
        const c = await connect({ host: LOOPBACK, port: portOf(a) });
        await c.close();
      }
      await a.close();
      await b.close();
      await Promise.all(serving);
      expect(counts[0]! + counts[1]!).toBe(200);
      expect(counts[0]).toBeGreaterThan(20); // SO_REUSEPORT hashes each connection's 4-tuple
      expect(counts[1]).toBeGreaterThan(20);
    });
  } else {
    it(`on Node ${process.version} (${process.platform}): rejects with ERR_SOCKET_REUSEPORT_UNSUPPORTED, never listens alone`, async () => {
      const err = (await listen({ host: LOOPBACK, port: 0 }, { reusePort: true }).catch(
        (e: unknown) => e,
      )) as Error & { code: string };
      expect(err.code).toBe('ERR_SOCKET_REUSEPORT_UNSUPPORTED');
      expect(err.message).toMatch(/Cannot listen with reusePort/);
      // Without the option the same call listens as ever.
      await using l = await listen({ host: LOOPBACK, port: 0 });
      expect(portOf(l)).toBeGreaterThan(0);
    });
  }
});
