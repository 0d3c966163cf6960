// Invariant 3's gathering (docs/design.md, "Gathered sends"): while received bytes wait
// unread, small sends of one turn are gathered, resolve at once, and go out as one write at
// the turn's end. Order, the send-byte bound, flush(), shutdown and close hold as for every
// send; a lone request's answer is written at once; a peer waiting for its answers never
// stalls. The home of this behaviour is src/core/sender.ts.
import fc from 'fast-check';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen, type Connection } from '../src/core/index.js';
import { pair, portOf, readAll, transports, turns, until } from './helpers.js';
import { propertyRun } from './property.js';

const REQ = Buffer.from('GET\r\n');
const RES = Buffer.from('OK!\r\n');

/** Receives exactly `n` bytes (the natural loop's "one request"). */
async function receiveExactly(conn: Connection, n: number): Promise<Buffer> {
  const buf = Buffer.alloc(n);
  for (let got = 0; got < n;) {
    const k = await conn.receive(buf.subarray(got));
    if (k === 0) throw new Error('EOF inside a request');
    got += k;
  }
  return buf;
}

/** Reads exactly `n` bytes from a raw socket. */
async function readRaw(s: net.Socket, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  for await (const c of s) {
    parts.push(c as Buffer);
    got += (c as Buffer).length;
    if (got >= n) break;
  }
  return Buffer.concat(parts);
}

for (const { name, pair: pairFor, syncWrites } of transports) {
  describe(`gathered sends, over ${name}`, () => {
    it('a pipelined batch answered in the natural loop resolves at once and goes out as one write at the turn end', async () => {
      await using p = await pairFor();
      await p.client.send(Buffer.concat(Array.from({ length: 16 }, () => REQ)));
      await until(() => p.server.bufferedBytes === 16 * REQ.length);
      const seen: [number, number][] = [];
      for (let i = 0; i < 16; i++) {
        await receiveExactly(p.server, REQ.length);
        await p.server.send(RES);
        seen.push([p.server.gatheredSendBytes, p.server.bytesSent]);
      }
      // Nothing reached the OS during the turn; every answer waits in the one gathered write.
      expect(seen).toEqual(Array.from({ length: 16 }, (_, i) => [(i + 1) * RES.length, 0]));
      if (syncWrites) {
        await turns(1);
        expect(p.server.gatheredSendBytes).toBe(0);
        expect(p.server.bytesSent).toBe(16 * RES.length);
      }
      await p.server.flush();
      expect(p.server.bytesSent).toBe(16 * RES.length);
      const got = await receiveExactly(p.client, 16 * RES.length);
      expect(got.equals(Buffer.concat(Array.from({ length: 16 }, () => RES)))).toBe(true);
    });

    it('with nothing unread, a send is written at once, not gathered', async () => {
      await using p = await pairFor();
      await p.client.send(REQ);
      await receiveExactly(p.server, REQ.length);
      await p.server.send(RES);
      expect(p.server.gatheredSendBytes).toBe(0);
      if (syncWrites) expect(p.server.bytesSent).toBe(RES.length);
      expect((await receiveExactly(p.client, RES.length)).equals(RES)).toBe(true);
    });

    it('strings, lists and a send too large to gather keep call order', async () => {
      await using p = await pairFor();
      await p.client.send('x');
      await until(() => p.server.bufferedBytes > 0);
      const big = Buffer.alloc(200 * 1024, 0x62);
      const sends = [
        p.server.send('a1'),
        p.server.send([Buffer.from('b2'), Buffer.from('c3')]),
        p.server.send(big), // over GATHER_BYTES: the gathered ones go first, then it
        p.server.send('d4'),
        p.server.send(Buffer.from('e5')),
      ];
      const reading = readAll(p.client);
      expect(await Promise.all(sends)).toEqual([2, 4, big.length, 2, 2]);
      await p.server.shutdown('send');
      const got = await reading;
      expect(got.equals(Buffer.concat([Buffer.from('a1b2c3'), big, Buffer.from('d4e5')]))).toBe(
        true,
      );
    });

    it('a gathered send has its bytes copied: the caller may reuse its buffer once it resolved', async () => {
      await using p = await pairFor();
      await p.client.send('x');
      await until(() => p.server.bufferedBytes > 0);
      const buf = Buffer.from('first ');
      await p.server.send(buf);
      expect(p.server.gatheredSendBytes).toBe(6);
      buf.write('SECOND'); // as compat's echo does: receive into the buffer just sent
      await p.server.send(buf);
      await p.server.flush();
      expect((await receiveExactly(p.client, 12)).toString()).toBe('first SECOND');
    });

    it('maxQueuedSendBytes bounds what is gathered: a send that would pass it sends the rest first', async () => {
      await using p = await pairFor(undefined, { maxQueuedSendBytes: 100 });
      await p.client.send('x');
      await until(() => p.server.bufferedBytes > 0);
      expect(await p.server.send(Buffer.alloc(60, 0x61))).toBe(60);
      expect(p.server.gatheredSendBytes).toBe(60);
      expect(await p.server.send(Buffer.alloc(60, 0x62))).toBe(60);
      // The first 60 went out as their own write. Over TLS that write is still in flight (no
      // TLS write completes at once), and nothing is gathered behind a write in flight.
      expect(p.server.gatheredSendBytes).toBe(syncWrites ? 60 : 0);
      if (syncWrites) expect(p.server.bytesSent).toBe(60);
      await p.server.flush();
      expect(p.server.bytesSent).toBe(120);
      const got = await receiveExactly(p.client, 120);
      expect(got.equals(Buffer.concat([Buffer.alloc(60, 0x61), Buffer.alloc(60, 0x62)]))).toBe(
        true,
      );
    });

    it('flush() writes what is gathered and resolves once the OS has it', async () => {
      await using p = await pairFor();
      await p.client.send('x');
      await until(() => p.server.bufferedBytes > 0);
      void p.server.send('one ');
      void p.server.send('two');
      expect(p.server.gatheredSendBytes).toBe(7);
      await p.server.flush();
      expect(p.server.gatheredSendBytes).toBe(0);
      expect(p.server.bytesSent).toBe(7);
      expect(p.server.pendingSends).toBe(0);
      expect((await receiveExactly(p.client, 7)).toString()).toBe('one two');
    });

    it("shutdown('send') and close() write what is gathered before FIN", async () => {
      await using p = await pairFor();
      await p.client.send('xy');
      await until(() => p.server.bufferedBytes === 2);
      await p.server.send('gathered, ');
      await p.server.send('then FIN');
      expect(p.server.gatheredSendBytes).toBeGreaterThan(0);
      await p.server.shutdown('send');
      expect((await readAll(p.client)).toString()).toBe('gathered, then FIN');

      await using q = await pairFor();
      await q.client.send('xy');
      await until(() => q.server.bufferedBytes === 2);
      await q.server.send('before close');
      const reading = readAll(q.client);
      await q.client.shutdown('send');
      await q.server.close();
      expect((await reading).toString()).toBe('before close');
    });

    it('after reset() what was gathered is dropped and flush() rejects with the reset', async () => {
      await using p = await pairFor();
      await p.client.send('x');
      await until(() => p.server.bufferedBytes > 0);
      await p.server.send('lost');
      const reset = p.server.reset();
      expect(p.server.gatheredSendBytes).toBe(0);
      await expect(p.server.flush()).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
      expect((await reset).reason).toBe('reset');
    });
  });
}

describe('gathered sends: a peer waiting for its answers never stalls', () => {
  it('property: any pipelining depth, requests split across packets at random, every answer arrives', async () => {
    await using listener = await listen({ host: '127.0.0.1', port: 0 });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 12 }),
        async (depth, cuts, pauses) => {
          const client = net.connect(portOf(listener), '127.0.0.1');
          client.setNoDelay(true);
          const server = await listener.accept();
          const serving = (async () => {
            for (let i = 0; i < depth; i++) {
              await receiveExactly(server, REQ.length);
              await server.send(RES);
            }
          })();
          // The requests, cut at random points, each piece its own write, with pauses.
          const all = Buffer.concat(Array.from({ length: depth }, () => REQ));
          for (let at = 0, k = 0; at < all.length; k++) {
            const n = cuts[k % cuts.length] as number;
            client.write(all.subarray(at, at + n));
            at += n;
            for (let t = 0; t < (pauses[k % pauses.length] as number); t++) {
              await new Promise((r) => setImmediate(r));
            }
          }
          const got = await readRaw(client, depth * RES.length);
          expect(got.length).toBe(depth * RES.length);
          await serving;
          client.destroy();
          await server.close();
        },
      ),
      propertyRun('gathered sends never stall a waiting peer', 60),
    );
  });

  it('a request that arrives whole on its own is answered at once (one-at-a-time latency)', async () => {
    await using p = await pair();
    for (let i = 0; i < 20; i++) {
      await p.client.send(REQ);
      await receiveExactly(p.server, REQ.length);
      await p.server.send(RES);
      expect(p.server.gatheredSendBytes).toBe(0);
      await receiveExactly(p.client, RES.length);
    }
  });
});
