// examples/saea-echo-server.ts, .NET's documented server pattern on sockflow/compat, driven by
// 200 concurrent clients whose echoes are checked byte for byte.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/core/index.js';
import { IPAddress, IPEndPoint } from '../../src/compat/index.js';
import { EchoServer } from '../../examples/saea-echo-server.js';
import { seededRandom } from '../property.js';

const CLIENTS = 200;
const MAX_CONNECTIONS = 64;

/** Resolves once `n` parties have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((r) => (open = r));
  return () => {
    if (++arrived === n) open();
    return opened;
  };
}

/**
 * One client: sends its first bytes, waits for their echo, waits until `MAX_CONNECTIONS`
 * clients have had one (so that many are served at once), then sends the rest in random-size
 * pieces, half-closes and checks the whole echo.
 */
async function client(port: number, size: number, served: () => Promise<void>): Promise<void> {
  const rand = seededRandom(`echo server: client of ${size} bytes, send sizes`);
  const conn = await connect({ host: '127.0.0.1', port });
  const data = randomBytes(size);
  const first = Math.min(size, 100);
  await conn.send(data.subarray(0, first));
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < first) {
    const chunk = (await conn.read()) as Uint8Array;
    parts.push(chunk);
    got += chunk.length;
  }
  await served();
  const reading = (async () => {
    for await (const chunk of conn) parts.push(chunk);
    return Buffer.concat(parts);
  })();
  for (let at = first; at < size;) {
    const n = Math.min(size - at, 1 + Math.floor(rand() * 3000));
    await conn.send(data.subarray(at, at + n));
    at += n;
  }
  await conn.shutdown('send');
  const echoed = await reading;
  expect(echoed.length).toBe(size);
  expect(echoed.equals(data)).toBe(true);
  expect((await conn.close()).reason).toBe('closed');
}

describe('examples/saea-echo-server.ts', () => {
  it(`echoes ${CLIENTS} concurrent clients byte for byte, serving at most maxConnections at once`, async () => {
    const server = new EchoServer({
      maxConnections: MAX_CONNECTIONS,
      receiveBufferSize: 1024,
      backlog: 256,
    });
    server.init();
    await server.start(new IPEndPoint(IPAddress.Loopback, 0));
    try {
      const sizes = Array.from({ length: CLIENTS }, (_, i) => 1 + ((i * 7919) % 20_000));
      const served = barrier(MAX_CONNECTIONS);
      await Promise.all(sizes.map((size) => client(server.port, size, served)));
      expect(server.totalBytesRead).toBe(sizes.reduce((a, b) => a + b, 0));
      expect(server.maxConnectedClients).toBe(MAX_CONNECTIONS); // reached, never exceeded
      expect(server.connectedClients).toBe(0);
    } finally {
      server.stop();
    }
  });
});
