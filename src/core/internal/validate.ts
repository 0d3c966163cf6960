// Argument checks shared by every layer (streams and compat reach them through the core's index,
// marked internal). Each throws, before any I/O, with Node's codes (invariant 9); a method that
// returns a promise turns the throw into a rejection.
import { InvalidArgTypeError, InvalidArgValueError, OutOfRangeError } from '../errors.js';

/**
 * @internal
 * True when `view`'s buffer was detached (transferred away or resized to nothing): such a
 * view reads as empty, so only an empty view is checked, and the hot path pays nothing.
 * `ArrayBuffer.prototype.detached` is missing on Node 20; there a detached buffer's `slice`
 * throws.
 */
export function isDetached(view: Uint8Array): boolean {
  if (view.byteLength !== 0) return false;
  const b = view.buffer as ArrayBuffer & { detached?: boolean };
  if (typeof b.detached === 'boolean') return b.detached;
  if (!(b instanceof ArrayBuffer)) return false; // a SharedArrayBuffer cannot be detached
  try {
    b.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/** @internal Throws `ERR_INVALID_ARG_VALUE` for a view whose buffer was detached. */
export function validateNotDetached(view: Uint8Array, name: string): void {
  if (isDetached(view)) {
    throw new InvalidArgValueError(
      `The "${name}" argument's buffer is detached (transferred away): it holds no bytes`,
    );
  }
}

/** @internal */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    const name = value.constructor?.name;
    return name ? `an instance of ${name}` : 'an object';
  }
  if (typeof value === 'string') return `type string ("${value.slice(0, 30)}")`;
  if (typeof value === 'symbol') return `type symbol (${value.toString()})`;
  return `type ${typeof value} (${(value as number | boolean | bigint).toString()})`;
}

/** @internal */
export function validateObject(value: unknown, name: string): asserts value is object {
  if (value === null || typeof value !== 'object') {
    throw new InvalidArgTypeError(
      `The "${name}" argument must be an object: received ${describe(value)}`,
    );
  }
}

/** @internal */
export function validateOptionalObject(value: unknown, name: string): void {
  if (value !== undefined) validateObject(value, name);
}

/** @internal */
export function validateSignal(value: unknown, name = 'options.signal'): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new InvalidArgTypeError(
      `The "${name}" option must be an AbortSignal: received ${describe(value)}`,
    );
  }
  return value;
}

/** Reads `options.signal` after checking `options` is an object or undefined. */
/** @internal */
export function signalOf(options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined;
  validateObject(options, 'options');
  return validateSignal((options as { signal?: unknown }).signal);
}

/** What a checked value is, in messages: an option (the default) or an argument. */
type Kind = 'option' | 'argument';

/** @internal */
export function validateInteger(
  value: unknown,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  kind: Kind = 'option',
): number {
  if (typeof value !== 'number') {
    throw new InvalidArgTypeError(
      `The "${name}" ${kind} must be a number: received ${describe(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OutOfRangeError(
      `The value of "${name}" is out of range: it must be an integer >= ${min}` +
        (max === Number.MAX_SAFE_INTEGER ? '' : ` and <= ${max}`) +
        `, received ${String(value)}`,
    );
  }
  return value;
}

/** @internal */
export function validateBoolean(value: unknown, name: string, kind: Kind = 'option'): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidArgTypeError(
      `The "${name}" ${kind} must be a boolean: received ${describe(value)}`,
    );
  }
  return value;
}

/** @internal */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/**
 * @internal
 * The byte count of what a send carries (bytes, a string as UTF-8, or a list of buffers);
 * throws for anything else, and for a detached buffer (it would send nothing silently).
 */
export function dataLength(data: unknown): number {
  if (data instanceof Uint8Array) {
    if (data.length === 0) validateNotDetached(data, 'data');
    return data.length;
  }
  if (typeof data === 'string') return Buffer.byteLength(data, 'utf8');
  if (Array.isArray(data)) {
    let total = 0;
    for (let i = 0; i < data.length; i++) {
      const b: unknown = data[i];
      if (!(b instanceof Uint8Array)) {
        throw new InvalidArgTypeError(
          `The "data[${i}]" element must be a Uint8Array: received ${describe(b)}`,
        );
      }
      if (b.length === 0) validateNotDetached(b, `data[${i}]`);
      total += b.length;
    }
    return total;
  }
  throw new InvalidArgTypeError(
    `The "data" argument must be a Uint8Array, a string or an array of Uint8Array: received ${describe(data)}`,
  );
}
