// The adapters: Web ReadableStream/WritableStream and Node Duplex over a Connection.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/index.js';
import { toDuplex, toReadableStream, toWritableStream } from '../../src/streams/index.js';
import { pair, readAll, until, untilStalled } from '../helpers.js';

const MiB = 1024 * 1024;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Hashes everything a connection receives until EOF (the peer that checks the bytes). */
async function hashAll(conn: Connection): Promise<{ hash: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of conn) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { hash: h.digest('hex'), bytes };
}

async function withFile<T>(data: Uint8Array, f: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sockflow-streams-'));
  const path = join(dir, 'data.bin');
  try {
    await writeFile(path, data);
    return await f(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('toDuplex', () => {
  it('pipeline(fs.createReadStream(file), toDuplex(conn)) carries 64 MiB byte-identical, then FIN', async () => {
    await using p = await pair();
    const data = randomBytes(64 * MiB);
    const received = hashAll(p.server);
    await withFile(data, (path) => pipeline(createReadStream(path), toDuplex(p.client)));
    expect(await received).toEqual({ hash: sha256(data), bytes: data.length });
  });

  it('works with zlib and crypto in pipeline() both ways', async () => {
    await using p = await pair();
    const data = randomBytes(8 * MiB);
    const hash = createHash('sha256');
    const receiving = pipeline(toDuplex(p.server), createGunzip(), hash);
    await withFile(data, (path) =>
      pipeline(createReadStream(path), createGzip(), toDuplex(p.client)),
    );
    await receiving;
    expect(hash.digest('hex')).toBe(sha256(data));
  });

  it('its readable side carries 64 MiB into a Node Writable, in order', async () => {
    await using p = await pair();
    const data = randomBytes(64 * MiB);
    const h = createHash('sha256');
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        h.update(chunk);
        cb();
      },
    });
    const sending = (async () => {
      await p.client.send(data);
      await p.client.shutdown('send');
    })();
    await pipeline(toDuplex(p.server), sink);
    await sending;
    expect(h.digest('hex')).toBe(sha256(data));
  });

  it('end() half-closes: the peer sees EOF and we still read its reply; its EOF does not end our side', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    d.end('request');
    expect((await readAll(p.server)).toString()).toBe('request');
    await p.server.send('reply');
    await p.server.shutdown('send');
    const got: Buffer[] = [];
    for await (const c of d) got.push(c as Buffer);
    expect(Buffer.concat(got).toString()).toBe('reply');
  });

  it('keeps memory bounded when the consumer is slow: the readable side stops reading, the peer is held back', async () => {
    await using p = await pair({}, { receiveBufferSize: 256 * 1024 });
    const d = toDuplex(p.server, { readableHighWaterMark: 64 * 1024 });
    const sending = p.client.send(Buffer.alloc(64 * MiB)).catch(() => undefined);
    d.once('readable', () => undefined); // start it flowing into its buffer, then consume nothing
    d.pause();
    await until(() => d.readableLength > 0);
    // Nothing is consumed: the stream's buffer and the connection's stop growing.
    await untilStalled(() => d.readableLength + p.server.bufferedBytes);
    expect(d.readableLength).toBeLessThanOrEqual(64 * 1024 + 64 * 1024); // the mark plus one chunk
    expect(p.server.bufferedBytes).toBeLessThanOrEqual(256 * 1024);
    expect(p.client.pendingSends).toBe(1); // the peer is held back by TCP
    d.destroy();
    await p.client.reset();
    await sending;
  });

  it('keeps memory bounded when the peer is slow: write() returns false and the callbacks wait for send()', async () => {
    await using p = await pair();
    const d = toDuplex(p.client, { writableHighWaterMark: 1 * MiB });
    const chunk = Buffer.alloc(1 * MiB);
    // Write while it drains; nobody reads, so once the kernel buffers are full it stops draining.
    let written = 0;
    for (;;) {
      written++;
      if (d.write(chunk)) continue;
      // It drains while the kernel takes the bytes; once the kernel is full, nothing moves.
      let drained = false;
      d.once('drain', () => (drained = true));
      await untilStalled(() => drained || p.client.bytesSent);
      if (!drained) break;
    }
    expect(d.writableNeedDrain).toBe(true);
    expect(d.writableLength).toBeLessThanOrEqual(2 * MiB); // the mark, plus the write that crossed it
    expect(p.client.pendingSends).toBeLessThanOrEqual(2);
    // The peer starts reading: everything arrives and 'drain' comes.
    const reading = hashAll(p.server);
    await new Promise((r) => d.once('drain', r));
    d.end();
    expect((await reading).bytes).toBe(written * MiB);
  });

  it('destroy(err) resets the connection; destroy() closes it gracefully', async () => {
    await using p = await pair();
    const d = toDuplex(p.client);
    d.on('error', () => undefined);
    d.destroy(new Error('broken'));
    expect((await p.client.closed).reason).toBe('reset');
    await using q = await pair();
    const e = toDuplex(q.client);
    e.destroy();
    await q.server.close();
    expect((await q.client.closed).reason).toBe('closed');
  });
});

describe('toReadableStream and toWritableStream', () => {
  it('a Web pipeTo into toWritableStream carries 64 MiB byte-identical, then FIN', async () => {
    await using p = await pair();
    const data = randomBytes(64 * MiB);
    const received = hashAll(p.server);
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        for (let at = 0; at < data.length; at += 1 * MiB) c.enqueue(data.subarray(at, at + MiB));
        c.close();
      },
    });
    await source.pipeTo(toWritableStream(p.client));
    expect(await received).toEqual({ hash: sha256(data), bytes: data.length });
  });

  it("a BYOB reader reads 64 MiB straight into the caller's buffer", async () => {
    await using p = await pair();
    const data = randomBytes(64 * MiB);
    const sending = (async () => {
      await p.client.send(data);
      await p.client.shutdown('send');
    })();
    const reader = toReadableStream(p.server).getReader({ mode: 'byob' });
    const h = createHash('sha256');
    let bytes = 0;
    let buf = new Uint8Array(256 * 1024);
    for (;;) {
      const { value, done } = await reader.read(buf);
      if (done) break;
      h.update(value);
      bytes += value.length;
      buf = new Uint8Array(value.buffer);
    }
    await sending;
    expect(bytes).toBe(data.length);
    expect(h.digest('hex')).toBe(sha256(data));
  });

  it('a default reader gets every chunk, in order, and a Web pipeTo between two connections relays them', async () => {
    await using a = await pair();
    await using b = await pair();
    const data = randomBytes(16 * MiB);
    const received = hashAll(b.server);
    const relaying = toReadableStream(a.server).pipeTo(toWritableStream(b.client));
    await a.client.send(data);
    await a.client.shutdown('send');
    await relaying;
    expect(await received).toEqual({ hash: sha256(data), bytes: data.length });
  });

  it('EOF closes the readable stream without closing our sending side', async () => {
    await using p = await pair();
    await p.client.send('question');
    await p.client.shutdown('send');
    const got: Uint8Array[] = [];
    for await (const c of toReadableStream(p.server)) got.push(c);
    expect(Buffer.concat(got).toString()).toBe('question');
    await p.server.send('answer');
    await p.server.shutdown('send');
    expect((await readAll(p.client)).toString()).toBe('answer');
  });

  it('cancel() shuts down receiving: later receives see EOF', async () => {
    await using p = await pair();
    const rs = toReadableStream(p.server);
    const reader = rs.getReader();
    const pending = reader.read();
    await reader.cancel();
    expect((await pending).done).toBe(true);
    await p.client.send('ignored');
    expect(await p.server.read()).toBeNull();
  });

  it('releasing the reader loses nothing: bytes stay for the next receive', async () => {
    await using p = await pair();
    await p.client.send('first');
    const reader = toReadableStream(p.server).getReader();
    expect(Buffer.from((await reader.read()).value as Uint8Array).toString()).toBe('first');
    reader.releaseLock();
    await p.client.send('second');
    expect(Buffer.from((await p.server.read()) as Uint8Array).toString()).toBe('second');
  });

  it('a slow reader keeps memory bounded: nothing is read ahead of the reads', async () => {
    await using p = await pair({}, { receiveBufferSize: 128 * 1024 });
    const sending = p.client.send(Buffer.alloc(32 * MiB)).catch(() => undefined);
    const reader = toReadableStream(p.server).getReader();
    await reader.read();
    // Nothing more is read: what the connection holds stops growing, within its limit.
    await untilStalled(() => p.server.bufferedBytes);
    expect(p.server.bufferedBytes).toBeLessThanOrEqual(128 * 1024);
    expect(p.client.pendingSends).toBe(1);
    reader.releaseLock();
    await p.client.reset();
    await sending;
  });

  it('a slow peer applies backpressure to a WritableStream: ready waits while a write is in flight', async () => {
    await using p = await pair();
    const writer = toWritableStream(p.client).getWriter();
    const big = Buffer.alloc(64 * MiB);
    const first = writer.write(big); // more than the kernel takes while nobody reads
    const second = writer.write(big);
    let ready = 'waiting';
    void writer.ready.then(() => (ready = 'ready'));
    // The kernel takes what it can of the first write, then nothing moves: ready still waits.
    await untilStalled(() => p.client.bytesSent + ready);
    expect(ready).toBe('waiting');
    expect(writer.desiredSize).toBeLessThanOrEqual(0);
    expect(p.client.pendingSends).toBe(1); // one send at a time: the rest waits in the stream
    const reading = hashAll(p.server);
    await Promise.all([first, second]);
    await writer.close();
    expect((await reading).bytes).toBe(128 * MiB);
  });

  it('writer.abort() resets the connection; close() is a FIN after the bytes written', async () => {
    await using p = await pair();
    const w = toWritableStream(p.client).getWriter();
    await w.write('bytes then FIN');
    await w.close();
    expect((await readAll(p.server)).toString()).toBe('bytes then FIN');
    await using q = await pair();
    const peerRead = q.server.read().catch((e: unknown) => e);
    await toWritableStream(q.client).abort(new Error('stop'));
    expect((await q.client.closed).reason).toBe('reset');
    expect(await peerRead).toMatchObject({ code: 'ECONNRESET' });
  });
});
