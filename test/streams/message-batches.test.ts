// messageBatches(): every message already received in one step, with messages()'s framing,
// limits and errors (the property test in framing.property.test.ts covers random chunking,
// aborts and mixing with messages()).
import { describe, expect, it } from 'vitest';
import {
  FrameTooLargeError,
  FrameTruncatedError,
  messageBatches,
  readExactly,
  sendMessage,
} from '../../src/streams/index.js';
import { OutOfRangeError } from '../../src/core/index.js';
import { pair } from '../helpers.js';

function framed(payloads: string[]): Buffer {
  return Buffer.concat(
    payloads.map((p) => {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(Buffer.byteLength(p));
      return Buffer.concat([h, Buffer.from(p)]);
    }),
  );
}

const text = (batch: Uint8Array[]): string[] => batch.map((m) => Buffer.from(m).toString());

describe('messageBatches()', () => {
  it('yields every message that arrived in one write as one batch, then waits for more', async () => {
    await using p = await pair();
    const it = messageBatches(p.server);
    await p.client.send(framed(['a', 'bb', '', 'ccc']));
    expect(text((await it.next()).value as Uint8Array[])).toEqual(['a', 'bb', '', 'ccc']);
    const waiting = it.next();
    await sendMessage(p.client, 'later');
    expect(text((await waiting).value as Uint8Array[])).toEqual(['later']);
    await p.client.shutdown('send');
    expect((await it.next()).done).toBe(true);
  });

  it('a batch holds at most maxBatch messages; the rest come in the next steps', async () => {
    await using p = await pair();
    await p.client.send(framed(['1', '2', '3', '4', '5']));
    await p.client.shutdown('send');
    const sizes: number[] = [];
    for await (const batch of messageBatches(p.server, { maxBatch: 2 })) sizes.push(batch.length);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('a message over the limit: the whole ones before it come first, then the step rejects and its bytes stay unread', async () => {
    await using p = await pair();
    await p.client.send(Buffer.concat([framed(['ok', 'fine']), framed(['x'.repeat(100)])]));
    await p.client.shutdown('send');
    const it = messageBatches(p.server, { maxMessageBytes: 10 });
    expect(text((await it.next()).value as Uint8Array[])).toEqual(['ok', 'fine']);
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect((err as FrameTooLargeError).code).toBe('ERR_FRAME_TOO_LARGE');
    // Nothing of the refused message was consumed: its header is the next four bytes.
    const header = await readExactly(p.server, 4);
    expect(Buffer.from(header).readUInt32BE(0)).toBe(100);
  });

  it('a message split across writes is assembled; EOF inside one rejects with its bytes', async () => {
    await using p = await pair();
    const it = messageBatches(p.server);
    const whole = framed(['split across writes']);
    await p.client.send(whole.subarray(0, 7));
    const waiting = it.next();
    await new Promise((r) => setTimeout(r, 20));
    await p.client.send(whole.subarray(7));
    expect(text((await waiting).value as Uint8Array[])).toEqual(['split across writes']);
    await p.client.send(framed(['cut short']).subarray(0, 6));
    await p.client.shutdown('send');
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTruncatedError);
    expect(Buffer.from((err as FrameTruncatedError).partial)).toEqual(
      framed(['cut short']).subarray(0, 6),
    );
  });

  it('an aborted wait rejects with the reason and consumes nothing', async () => {
    await using p = await pair();
    const ac = new AbortController();
    const it = messageBatches(p.server, { signal: ac.signal });
    const waiting = it.next();
    await p.client.send(framed(['partial']).subarray(0, 5));
    await new Promise((r) => setTimeout(r, 20));
    ac.abort(new Error('enough'));
    await expect(waiting).rejects.toThrow('enough');
    expect((await it.next()).done).toBe(true); // the aborted iteration ended
    await p.client.send(framed(['partial']).subarray(5));
    const again = messageBatches(p.server);
    expect(text((await again.next()).value as Uint8Array[])).toEqual(['partial']);
  });

  it('bad options throw synchronously, before any I/O', async () => {
    await using p = await pair();
    expect(() => messageBatches(p.server, { maxBatch: 0 })).toThrow(OutOfRangeError);
    expect(() => messageBatches(p.server, { maxBatch: 1.5 })).toThrow(OutOfRangeError);
  });
});
