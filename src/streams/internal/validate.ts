// Argument checks of the streams layer: synchronous, before any I/O, with Node's codes.
import {
  Connection,
  InvalidArgTypeError,
  InvalidArgValueError,
  OutOfRangeError,
} from '../../core/index.js';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  if (typeof value === 'string') return `type string ("${value.slice(0, 30)}")`;
  return `type ${typeof value}`;
}

export function checkConnection(conn: unknown): Connection {
  if (!(conn instanceof Connection)) {
    throw new InvalidArgTypeError(
      `The "conn" argument must be a Connection: received ${describe(conn)}`,
    );
  }
  return conn;
}

export function checkOptions(options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgTypeError(
      `The "options" argument must be an object: received ${describe(options)}`,
    );
  }
  return options as Record<string, unknown>;
}

export function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new InvalidArgTypeError(
      `The "options.signal" option must be an AbortSignal: received ${describe(value)}`,
    );
  }
  return value;
}

export function checkSize(value: unknown, name: string, min: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number') {
    throw new InvalidArgTypeError(
      `The "${name}" argument must be a number: received ${describe(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new OutOfRangeError(
      `The value of "${name}" is out of range: it must be an integer >= ${min}, received ${String(value)}`,
    );
  }
  return value;
}

const encoder = new TextEncoder();

/** The argument `name` as bytes: a Uint8Array as it is, a string as UTF-8. */
export function checkBytes(value: unknown, name: string): Uint8Array {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new InvalidArgTypeError(
    `The "${name}" argument must be a Uint8Array or a string: received ${describe(value)}`,
  );
}

/** A delimiter as bytes: a non-empty Uint8Array, or a non-empty string (UTF-8). */
export function checkDelimiter(value: unknown): Uint8Array {
  const bytes = checkBytes(value, 'delimiter');
  if (bytes.length === 0) {
    throw new InvalidArgValueError('The "delimiter" argument must not be empty');
  }
  return bytes;
}
