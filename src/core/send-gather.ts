// Gathered sends (docs/design.md "Gathered sends"): while received bytes wait unread, a
// server's answers are likely to come several in one turn, so a small send is copied into the
// turn's batch and resolves at once; the batch goes out as one write at the turn's end, or
// sooner (src/core/sender.ts decides when, and writes it: `Sender.release()`). This file is the
// batch itself: its bound and how a send is copied into it.
import type { Backlog } from './send-backlog.js';
import type { SendData, SendLimits } from './sender.js';

/**
 * Gathered sends go out as one write once they would pass this many bytes (or
 * `maxQueuedSendBytes`, if smaller); a send larger than this is never gathered.
 */
export const GATHER_BYTES = 64 * 1024;
/** The first buffer a turn's gathered sends are copied into (Node's pool serves it). */
const GATHER_START = 2048;

/** What writes a turn's gathered sends: the connection's sender. */
export interface GatherOwner {
  /** Writes the gathered sends now, as one write. */
  release(): void;
}

/** The most bytes gathered into one write: `GATHER_BYTES`, or the send-byte bound. */
export function gatherLimit(limits: SendLimits): number {
  return Math.min(GATHER_BYTES, limits.maxQueuedSendBytes);
}

/** The end of a turn in which `q` gathered sends: they go out as one write. */
function endTurn(sender: GatherOwner, q: Backlog): void {
  q.gatherTick = false;
  if (q.gathered !== undefined) sender.release();
}

/**
 * Gathers a send into this turn's write and resolves it: returns its byte count. Its bytes
 * are copied: the caller may reuse its buffer once the send resolved (compat's receive and
 * send share one), and a string is encoded straight into the write. The first send of a turn
 * schedules the turn's end (one `process.nextTick`).
 */
export function gather(sender: GatherOwner, q: Backlog, data: SendData, bytes: number): number {
  const at = q.gatheredBytes;
  let buf = q.gathered;
  if (buf === undefined || at + bytes > buf.length) {
    const size = Math.max(GATHER_START, (buf?.length ?? 0) * 2, at + bytes);
    const grown = Buffer.allocUnsafe(size);
    if (buf !== undefined) buf.copy(grown, 0, 0, at);
    buf = q.gathered = grown;
  }
  if (typeof data === 'string') buf.write(data, at, 'utf8');
  else if (data instanceof Uint8Array) buf.set(data, at);
  else {
    let to = at;
    for (const part of data) {
      buf.set(part, to);
      to += part.length;
    }
  }
  q.gatheredBytes = at + bytes;
  if (!q.gatherTick) {
    q.gatherTick = true;
    process.nextTick(endTurn, sender, q);
  }
  return bytes;
}
