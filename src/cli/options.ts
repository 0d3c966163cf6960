// Command-line parsing shared by the commands: node:util's parseArgs, with every mistake
// turned into a one-line UsageError.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, strict, with positionals; its errors become UsageErrors. */
export function parse<O extends Options>(
  args: readonly string[],
  options: O,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return {
      values: r.values,
      positionals: r.positionals,
    };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A TCP port from the command line: an integer from 0 to 65535. */
export function port(text: string | undefined, what = 'port'): number {
  if (text === undefined) throw new UsageError(`missing ${what}`);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) {
    throw new UsageError(`${what} must be an integer from 0 to 65535: ${JSON.stringify(text)}`);
  }
  return n;
}

/** A positive number of milliseconds. */
export function millis(text: string | boolean | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n <= 0) {
    throw new UsageError(`${what} must be a positive number of milliseconds: ${String(text)}`);
  }
  return n;
}

/** A file's contents (a PEM file), read now: a missing file is a usage error. */
export function file(path: string | boolean | undefined, what: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path as string);
  } catch (err) {
    throw new UsageError(
      `cannot read ${what} ${String(path)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** Refuses positionals beyond `max`. */
export function noMore(positionals: readonly string[], max: number): void {
  if (positionals.length > max) {
    throw new UsageError(`unexpected argument: ${JSON.stringify(positionals[max])}`);
  }
}
