// The delimiter search under every framing helper: a loop over the first bytes, then
// Buffer#indexOf. Checked against a plain search over random bytes from a small alphabet, so
// that delimiters sit at every distance from the start, across the switch and at the end.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexIn } from '../../src/streams/read-until.js';
import { propertyRun } from '../property.js';

/** Where `d` first starts in `c` at or after `from`, wholly inside `c`, or -1. */
function plain(c: Uint8Array, d: Uint8Array, from: number): number {
  outer: for (let i = Math.max(0, from); i + d.length <= c.length; i++) {
    for (let j = 0; j < d.length; j++) if (c[i + j] !== d[j]) continue outer;
    return i;
  }
  return -1;
}

describe('indexIn()', () => {
  it('finds what a plain search finds, for 1-, 2- and 3-byte delimiters at any distance', () => {
    const byte = fc.constantFrom(10, 13, 65);
    fc.assert(
      fc.property(
        fc.array(byte, { maxLength: 120 }),
        fc.array(byte, { minLength: 1, maxLength: 3 }),
        fc.nat(130),
        (bytes, delim, from) => {
          const c = Uint8Array.from(bytes);
          const d = Uint8Array.from(delim);
          const start = Math.min(from, c.length);
          expect(indexIn(c, d, start)).toBe(plain(c, d, start));
        },
      ),
      propertyRun('indexIn() against a plain search', 2000),
    );
  });

  it('a two-byte delimiter whose first byte ends the chunk is not found in it', () => {
    expect(indexIn(Uint8Array.from([65, 13]), Uint8Array.from([13, 10]), 0)).toBe(-1);
    const long = new Uint8Array(100).fill(65);
    long[99] = 13;
    expect(indexIn(long, Uint8Array.from([13, 10]), 0)).toBe(-1);
    long[50] = 13;
    long[51] = 10;
    expect(indexIn(long, Uint8Array.from([13, 10]), 0)).toBe(50);
  });
});
