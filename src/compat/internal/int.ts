// .NET's `int` parameters, checked in JavaScript (which has no int).
import { ArgumentOutOfRangeException } from '../exceptions.js';

/**
 * `value` when it is an integer from `min` to `max` (an `int` of .NET by default), else the
 * `ArgumentOutOfRangeException` .NET throws for `name`: a fraction, NaN or a non-number is
 * out of an `int`'s range too.
 */
export function checkInt(value: unknown, name: string, min: number, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentOutOfRangeException(name, undefined, value);
  }
  return value;
}
