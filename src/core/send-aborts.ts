// A send's own AbortSignal (invariant 4 of docs/design.md, node-notes §5): what its firing does
// to the sends of that signal. Waiting ones leave their batch having sent nothing; in-flight
// ones may be partly with the OS, so each rejects with its own `bytesWritten` and the
// connection is reset. The sender (src/core/sender.ts) registers sends here; the state is the
// backlog's (send-backlog.ts).
import { SendAbortedError } from './errors.js';
import { ALIVE, Backlog, Batch, DONE, indexOf, Signaled } from './send-backlog.js';

/** Counts a send with `signal`; the first adds the backlog's one listener to the signal. */
export function watch(b: Backlog, signal: AbortSignal): void {
  const signals = (b.signals ??= new Map<AbortSignal, number>());
  const n = signals.get(signal) ?? 0;
  if (n === 0) {
    signal.addEventListener(
      'abort',
      (b.onSignal ??= (event) => signalAborted(b, event.target as AbortSignal)),
    );
  }
  signals.set(signal, n + 1);
}

// A signal of unsettled sends fired. If some of them are in flight, their bytes may be partly
// with the OS: each rejects with its own bytesWritten, then the connection is reset and every
// other send fails with it. Otherwise each waiting send of that signal leaves its batch
// having sent nothing.
function signalAborted(b: Backlog, signal: AbortSignal): void {
  const written = b.written;
  let reset = false;
  for (let i = b.writtenHead; i < written.length && b.dead === ALIVE; i++) {
    const batch = written[i] as Batch;
    for (let index = indexOf(batch, signal); index >= 0; index = indexOf(batch, signal)) {
      abortInFlight(b, batch, index);
      reset = true;
    }
  }
  if (reset) {
    b.owner.resetForAbortedSend();
    return;
  }
  if (b.waiting === undefined) return;
  for (const batch of [...b.waiting]) {
    for (let index = indexOf(batch, signal); index >= 0; index = indexOf(batch, signal)) {
      removeWaiting(b, batch, index, signal.reason);
    }
  }
}

// A waiting send's own signal fired: it leaves its batch, having sent nothing.
function removeWaiting(b: Backlog, batch: Batch, index: number, reason: unknown): void {
  const s = (batch.signaled as Signaled[])[index] as Signaled;
  const bytes = b.remove(batch, index);
  b.waitingBytes -= bytes;
  if (batch.live === 0) {
    // Nothing left to write: its p-queue task finds it done.
    b.waiting?.delete(batch);
    if (b.tail === batch) b.tail = undefined;
    batch.state = DONE;
    b.wake();
  }
  s.reject(reason);
  b.settleSends(batch.seq + index, 1, false, reason, true);
}

/** Rejects in-flight send `index` of `batch` with its bytesWritten; the caller resets. */
function abortInFlight(b: Backlog, batch: Batch, index: number): void {
  const owner = b.owner;
  const s = (batch.signaled as Signaled[])[index] as Signaled;
  let start = batch.start;
  for (let i = 0; i < index; i++) start += Math.max(0, batch.sizes?.[i] ?? 0);
  const bytes = b.remove(batch, index);
  const taken = owner.transport.kernelBytesWritten();
  const bytesWritten = Math.max(0, Math.min(bytes, taken - start));
  const error = new SendAbortedError(
    `Cannot finish send on "${owner.label}": aborted after ${bytesWritten} of ${bytes} bytes reached the OS; the connection was reset`,
    bytesWritten,
    s.signal.reason,
  );
  s.reject(error);
  b.settleSends(batch.seq + index, 1, false, error, false);
}
