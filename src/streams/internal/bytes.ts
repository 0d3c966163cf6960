// Small byte helpers shared by the framing functions.
import type { Connection } from '../../core/index.js';

/** The parts joined into one array (the only part itself, without a copy). */
export function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Gives bytes taken from `conn` back, in their original order, so the next receive sees the
 * stream as it was. (Each `unshift` goes to the front, so the last part goes first.) After
 * our own `close()`/`reset()` there is nothing to give back to: the bytes are dropped, as the
 * connection's unread bytes are.
 */
export function giveBack(conn: Connection, parts: readonly Uint8Array[]): void {
  try {
    for (let i = parts.length - 1; i >= 0; i--) {
      const p = parts[i] as Uint8Array;
      if (p.length > 0) conn.unshift(p);
    }
  } catch {
    // ERR_SOCKET_CLOSED: closed by us meanwhile.
  }
}

/** Chunks shorter than this are copied together, not kept one by one (see `Gathered`). */
const SMALL_CHUNK = 1024;

/**
 * The bytes of a frame in progress, in order. Large chunks are kept as they came (views, no
 * copy); small ones are copied together into one growing array, so a peer that sends a byte
 * per packet does not make each byte an object of its own (a Uint8Array and its ArrayBuffer
 * cost about 200 bytes of heap). What it holds is at most about twice its bytes, plus a
 * constant: chunks of 1 KiB and more carry under 20 % of overhead, the gathering array at most
 * doubles what it holds.
 */
export class Gathered {
  readonly #list: Uint8Array[] = [];
  #small: Uint8Array | undefined;
  #smallLength = 0;
  /** Bytes held. */
  total = 0;

  add(c: Uint8Array): void {
    this.total += c.length;
    if (c.length >= SMALL_CHUNK) {
      this.#flush();
      this.#list.push(c);
      return;
    }
    let s = this.#small;
    const need = this.#smallLength + c.length;
    if (s === undefined || need > s.length) {
      const bigger = new Uint8Array(Math.max(256, 2 * need));
      if (s !== undefined) bigger.set(s.subarray(0, this.#smallLength));
      this.#small = s = bigger;
    }
    s.set(c, this.#smallLength);
    this.#smallLength = need;
  }

  /** Every byte, as parts in order (for `concat()` and `giveBack()`). */
  parts(): Uint8Array[] {
    this.#flush();
    return this.#list;
  }

  #flush(): void {
    if (this.#small === undefined) return;
    this.#list.push(this.#small.subarray(0, this.#smallLength));
    this.#small = undefined;
    this.#smallLength = 0;
  }
}
