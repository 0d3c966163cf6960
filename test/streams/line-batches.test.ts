// lineBatches(): every line already received in one step, decoded as lines() decodes it, with
// its limits (the property test in framing.property.test.ts covers random chunking, aborts
// and mixing with lines()).
import { describe, expect, it } from 'vitest';
import { OutOfRangeError } from '../../src/core/index.js';
import { FrameTooLargeError, lineBatches, readUntil } from '../../src/streams/index.js';
import { pair } from '../helpers.js';

describe('lineBatches()', () => {
  it('yields the lines of one write as one batch, \\r\\n and \\n alike, then waits for more', async () => {
    await using p = await pair();
    const it = lineBatches(p.server);
    await p.client.send('one\r\ntwo\n\nfour\n');
    expect((await it.next()).value).toEqual(['one', 'two', '', 'four']);
    const waiting = it.next();
    await p.client.send('fi');
    await new Promise((r) => setTimeout(r, 20));
    await p.client.send('ve\nsix');
    expect((await waiting).value).toEqual(['five']);
    await p.client.shutdown('send');
    expect((await it.next()).value).toEqual(['six']); // the last line, without a newline
    expect((await it.next()).done).toBe(true);
  });

  it('decodes a character split across writes, and invalid bytes as U+FFFD, as lines() does', async () => {
    await using p = await pair();
    const euro = Buffer.from('€'); // three bytes
    await p.client.send(Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]));
    const it = lineBatches(p.server);
    const first = it.next();
    await new Promise((r) => setTimeout(r, 20));
    await p.client.send(Buffer.concat([euro.subarray(1), Buffer.from('\nb\xff\n', 'latin1')]));
    const got: string[] = [...((await first).value as string[])];
    if (got.length < 2) got.push(...((await it.next()).value as string[]));
    expect(got).toEqual(['a€', 'b\uFFFD']);
  });

  it('at most maxBatch lines a batch', async () => {
    await using p = await pair();
    await p.client.send('1\n2\n3\n4\n5\n');
    await p.client.shutdown('send');
    const sizes: number[] = [];
    for await (const batch of lineBatches(p.server, { maxBatch: 2 })) sizes.push(batch.length);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('a line over the limit: the whole ones before it come first, then the step rejects and its bytes stay unread', async () => {
    await using p = await pair();
    await p.client.send(`ok\nfine\n${'x'.repeat(20)}\n`);
    const it = lineBatches(p.server, { maxLineLength: 10 });
    expect((await it.next()).value).toEqual(['ok', 'fine']);
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect((err as FrameTooLargeError).code).toBe('ERR_FRAME_TOO_LARGE');
    const rest = await readUntil(p.server, '\n');
    expect(Buffer.from(rest).toString()).toBe('x'.repeat(20));
  });

  it('non-ASCII lines: a full batch gives back exactly the bytes after its last line', async () => {
    await using p = await pair();
    await p.client.send('é\nü\r\n€\n\xff\nrest');
    const it = lineBatches(p.server, { maxBatch: 2 });
    expect((await it.next()).value).toEqual(['é', 'ü']);
    const next = await readUntil(p.server, '\n');
    expect(Buffer.from(next).toString()).toBe('€');
    expect((await it.next()).value).toEqual(['\xff']);
  });

  it('non-ASCII lines near the limit are measured in bytes, not characters', async () => {
    await using p = await pair();
    // '€a' is 4 bytes, '€€' is 6: with maxLineLength 4 the first passes, the second does not.
    await p.client.send('€a\n€€\nnext\n');
    const it = lineBatches(p.server, { maxLineLength: 4 });
    expect((await it.next()).value).toEqual(['€a']);
    const err = await it.next().catch((e: unknown) => e);
    expect((err as FrameTooLargeError).code).toBe('ERR_FRAME_TOO_LARGE');
    const rest = await readUntil(p.server, '\n');
    expect(Buffer.from(rest).toString()).toBe('€€');
    expect((await lineBatches(p.server).next()).value).toEqual(['next']);
  });

  it('a non-ASCII line over the limit in characters: the lines before it come first', async () => {
    await using p = await pair();
    await p.client.send('ä\nöööööö\n');
    const it = lineBatches(p.server, { maxLineLength: 5 });
    expect((await it.next()).value).toEqual(['ä']);
    await expect(it.next()).rejects.toBeInstanceOf(FrameTooLargeError);
    expect(Buffer.from(await readUntil(p.server, '\n')).toString()).toBe('öööööö');
  });

  it('bad options throw synchronously, before any I/O', async () => {
    await using p = await pair();
    expect(() => lineBatches(p.server, { maxBatch: 0 })).toThrow(OutOfRangeError);
    expect(() => lineBatches(p.server, { maxLineLength: -1 })).toThrow(OutOfRangeError);
  });
});
