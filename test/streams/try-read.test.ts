// tryReadExactly() and tryReadUntil(): the framing reads for bytes already received, taking
// all or nothing; with the async forms as the fallback they parse any chunking losslessly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/index.js';
import {
  FrameTooLargeError,
  FrameTruncatedError,
  readExactly,
  readUntil,
  tryReadExactly,
  tryReadUntil,
} from '../../src/streams/index.js';
import { pair } from '../helpers.js';
import { propertyRun } from '../property.js';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 15));
const str = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString();

/** Sends the pieces as separate chunks: each has arrived before the next is sent. */
async function arrive(from: Connection, to: Connection, pieces: string[]): Promise<void> {
  for (const p of pieces) {
    const before = to.bufferedBytes;
    await from.send(p);
    while (to.bufferedBytes < before + Buffer.byteLength(p)) await settle();
  }
}

describe('tryReadExactly()', () => {
  it('takes n bytes of one chunk as a view; the rest stays unread', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['abcdef']);
    expect(str(tryReadExactly(p.server, 4))).toBe('abcd');
    expect(str(tryReadExactly(p.server, 2))).toBe('ef');
    expect(tryReadExactly(p.server, 0)?.length).toBe(0);
  });

  it('joins bytes that arrived in several chunks', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['ab', 'cd', 'efg']);
    expect(str(tryReadExactly(p.server, 5))).toBe('abcde');
    expect(str(tryReadExactly(p.server, 2))).toBe('fg');
  });

  it('not all there: undefined, nothing taken; readExactly() then waits for the rest', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['ab', 'c']);
    expect(tryReadExactly(p.server, 5)).toBeUndefined();
    expect(p.server.bufferedBytes).toBe(3);
    const rest = readExactly(p.server, 5);
    await p.client.send('de');
    expect(str(await rest)).toBe('abcde');
  });

  it('at EOF: undefined; readExactly() reports the truncation with its bytes', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['xy']);
    await p.client.shutdown('send');
    await settle();
    expect(tryReadExactly(p.server, 3)).toBeUndefined();
    const err = await readExactly(p.server, 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTruncatedError);
    expect(str((err as FrameTruncatedError).partial)).toBe('xy');
  });

  it('bad arguments throw synchronously', async () => {
    await using p = await pair();
    expect(() => tryReadExactly(p.server, -1)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => tryReadExactly({} as Connection, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});

describe('tryReadUntil()', () => {
  const CRLF = new Uint8Array([13, 10]);

  it('takes the bytes before the delimiter and consumes it; the rest stays unread', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['+OK\r\n$3\r\nfoo\r\n']);
    expect(str(tryReadUntil(p.server, CRLF))).toBe('+OK');
    expect(str(tryReadUntil(p.server, '\r\n'))).toBe('$3');
    expect(str(tryReadExactly(p.server, 5))).toBe('foo\r\n');
  });

  it('finds a delimiter split across chunks, and a frame spread over several', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['hel', 'lo\r', '\nworld']);
    expect(str(tryReadUntil(p.server, CRLF))).toBe('hello');
    expect(str(tryReadExactly(p.server, 5))).toBe('world');
  });

  it('not there yet: undefined, nothing taken; readUntil() then waits', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['no delimiter', ' yet\r']);
    expect(tryReadUntil(p.server, CRLF)).toBeUndefined();
    expect(p.server.bufferedBytes).toBe(17);
    const line = readUntil(p.server, CRLF);
    await p.client.send('\n');
    expect(str(await line)).toBe('no delimiter yet');
  });

  it('more than maxBytes before the delimiter: FrameTooLargeError, nothing consumed', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['0123456789', 'abcdef\r\n']);
    expect(() => tryReadUntil(p.server, CRLF, { maxBytes: 8 })).toThrow(FrameTooLargeError);
    expect(p.server.bufferedBytes).toBe(18);
    expect(str(tryReadUntil(p.server, CRLF, { maxBytes: 16 }))).toBe('0123456789abcdef');
  });

  it('a frame longer than maxBytes inside one chunk: FrameTooLargeError, nothing consumed', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['0123456789\r\nrest']);
    expect(() => tryReadUntil(p.server, CRLF, { maxBytes: 9 })).toThrow(FrameTooLargeError);
    expect(p.server.bufferedBytes).toBe(16);
    expect(str(tryReadUntil(p.server, CRLF, { maxBytes: 10 }))).toBe('0123456789');
    expect(p.server.bufferedBytes).toBe(4);
  });

  it('frames taken from one chunk stay as they were while later bytes arrive and are read', async () => {
    await using p = await pair();
    await arrive(p.client, p.server, ['one\r\ntwo\r\nthr']);
    const one = tryReadUntil(p.server, CRLF);
    const two = tryReadUntil(p.server, CRLF);
    await arrive(p.client, p.server, ['ee\r\n']);
    expect(str(tryReadUntil(p.server, CRLF))).toBe('three');
    expect([str(one), str(two)]).toEqual(['one', 'two']);
    expect(p.server.bufferedBytes).toBe(0);
  });

  it('with a receive pending: SocketBusyError, and the receive still gets the bytes', async () => {
    await using p = await pair();
    const pending = p.server.read();
    expect(() => tryReadUntil(p.server, CRLF)).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKET_BUSY' }),
    );
    await p.client.send('a\r\n');
    expect(str((await pending) ?? undefined)).toBe('a\r\n');
  });

  it('bad arguments throw synchronously', async () => {
    await using p = await pair();
    expect(() => tryReadUntil(p.server, '')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(() => tryReadUntil(p.server, CRLF, { maxBytes: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
  });

  it('property: a RESP-like stream parsed with the try forms and the async fallback arrives whole under any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 }),
        async (values, sizes) => {
          await using p = await pair();
          const wire = Buffer.concat(
            values.map((v) => Buffer.from(`$${Buffer.byteLength(v)}\r\n${v}\r\n`)),
          );
          const sending = (async () => {
            for (let at = 0, i = 0; at < wire.length; i++) {
              const n = sizes[i % sizes.length] as number;
              await p.client.send(wire.subarray(at, at + n));
              at += n;
              if (i % 3 === 0) await settle();
            }
            await p.client.shutdown('send');
          })();
          const got: string[] = [];
          for (let i = 0; i < values.length; i++) {
            const head = tryReadUntil(p.server, CRLF) ?? (await readUntil(p.server, CRLF));
            const n = Number(Buffer.from(head).subarray(1).toString());
            const body = tryReadExactly(p.server, n + 2) ?? (await readExactly(p.server, n + 2));
            got.push(Buffer.from(body.subarray(0, n)).toString());
          }
          await sending;
          expect(got).toEqual(values);
          expect(await p.server.read()).toBeNull();
        },
      ),
      propertyRun('try forms with the async fallback under random chunking', 50),
    );
  });
});
