// The soak of `npm run soak` (bench/soak.ts), small enough for every test run: 1,000
// connections at once echo random payloads for a few seconds through the core's echo server
// and through the ported .NET echo server on compat, and every byte that comes back is checked.
import { describe, expect, it } from 'vitest';
import { runClients, startEchoServer } from '../bench/soak-parts.js';

const CONNECTIONS = 1000;
const SECONDS = 3;

describe('soak: 1,000 connections echoing random payloads', () => {
  for (const mode of ['core', 'compat'] as const) {
    it(`through ${mode === 'core' ? 'the core' : 'compat'}: every byte comes back, no errors`, async () => {
      const server = await startEchoServer(mode, CONNECTIONS);
      try {
        const c = await runClients(server.port, CONNECTIONS, SECONDS);
        expect(c.failures).toEqual([]);
        expect(c.errors).toBe(0);
        expect(c.connections).toBe(CONNECTIONS);
        expect(c.bytes).toBeGreaterThan(CONNECTIONS); // every connection echoed something
        const s = server.stats();
        expect(s.failures).toEqual([]);
        expect(s.connections).toBe(CONNECTIONS); // all of them open at once
        expect(s.bytes).toBe(c.bytes);
      } finally {
        await server.close();
      }
    });
  }
});
