// A receive's target, as an event-args object gives it (kTarget): its buffer range, or its
// buffer list filled in order. Shared by the stream and the datagram receives.

/** Where a receive's bytes go. */
export type Target = Uint8Array | Uint8Array[];

/** The bytes a target holds (0 for none). */
export function sizeOf(target: Uint8Array | readonly Uint8Array[] | null): number {
  if (target === null) return 0;
  if (target instanceof Uint8Array) return target.length;
  let n = 0;
  for (const b of target) n += b.length;
  return n;
}

/** Copies `data` into a target, in order, as much as fits; returns the bytes copied. */
export function copyInto(target: Target, data: Uint8Array): number {
  if (target instanceof Uint8Array) {
    const n = Math.min(target.length, data.length);
    target.set(n === data.length ? data : data.subarray(0, n));
    return n;
  }
  let at = 0;
  for (const b of target) {
    if (at === data.length) break;
    const n = Math.min(b.length, data.length - at);
    b.set(data.subarray(at, at + n));
    at += n;
  }
  return at;
}
