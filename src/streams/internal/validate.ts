// Argument checks of the streams layer. The generic ones (objects, signals, integers, how a
// value is described) are the core's, so every layer words its errors the same way; what is
// here is particular to framing: a connection, bytes, a delimiter.
import {
  Connection,
  describe,
  InvalidArgTypeError,
  InvalidArgValueError,
  validateInteger,
  validateNotDetached,
  validateOptionalObject,
} from '../../core/index.js';

export { describe, validateSignal as checkSignal } from '../../core/index.js';

export function checkConnection(conn: unknown): Connection {
  if (!(conn instanceof Connection)) {
    throw new InvalidArgTypeError(
      `The "conn" argument must be a Connection: received ${describe(conn)}`,
    );
  }
  return conn;
}

export function checkOptions(options: unknown): Record<string, unknown> {
  validateOptionalObject(options, 'options');
  return (options ?? {}) as Record<string, unknown>;
}

/** A size option (or, with `kind` 'argument', a size argument): a safe integer >= `min`. */
export function checkSize(
  value: unknown,
  name: string,
  min: number,
  fallback?: number,
  kind: 'option' | 'argument' = 'option',
): number {
  if (value === undefined && fallback !== undefined) return fallback;
  return validateInteger(value, name, min, Number.MAX_SAFE_INTEGER, kind);
}

const encoder = new TextEncoder();

/** The argument `name` as bytes: a Uint8Array as it is, a string as UTF-8. */
export function checkBytes(value: unknown, name: string): Uint8Array {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) {
    if (value.length === 0) validateNotDetached(value, name);
    return value;
  }
  throw new InvalidArgTypeError(
    `The "${name}" argument must be a Uint8Array or a string: received ${describe(value)}`,
  );
}

/** String delimiters encoded already: a protocol uses a few, each on every call. */
const encoded = new Map<string, Uint8Array>();
/** The most string delimiters remembered; past it the cache starts over. */
const MAX_ENCODED = 32;
/** The string delimiter asked for last, and its bytes. */
let lastString: string | undefined;
let lastEncoded: Uint8Array = new Uint8Array(0);

/**
 * A delimiter as bytes: a non-empty Uint8Array, or a non-empty string (UTF-8), encoded once
 * and remembered (the bytes returned are shared: callers only read them).
 */
export function checkDelimiter(value: unknown): Uint8Array {
  if (typeof value === 'string') {
    // The same string as last time (a loop's literal is one string): no lookup.
    if (value === lastString) return lastEncoded;
    const known = encoded.get(value);
    if (known !== undefined) {
      lastString = value;
      lastEncoded = known;
      return known;
    }
  }
  const bytes = checkBytes(value, 'delimiter');
  if (bytes.length === 0) {
    throw new InvalidArgValueError('The "delimiter" argument must not be empty');
  }
  if (typeof value === 'string') {
    if (encoded.size >= MAX_ENCODED) encoded.clear();
    encoded.set(value, bytes);
  }
  return bytes;
}
