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
