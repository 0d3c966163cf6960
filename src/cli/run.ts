// The `sockflow` command's dispatcher: the subcommand, then its exit code. A bad command line
// prints one line and exits 2; a connection error prints its code and exits 1.
import { benchCommand } from './bench.js';
import { connectCommand } from './connect.js';
import { demoCommand } from './demo.js';
import type { Stdio } from './io.js';
import { listenCommand } from './listen.js';
import { HELP, UsageError } from './usage.js';

/**
 * Runs the command line `args` (without node and the script); resolves with the exit code.
 * `signal` (SIGINT, from main.ts) stops a listener cleanly.
 */
export async function run(
  args: readonly string[],
  io: Stdio,
  signal?: AbortSignal,
): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'connect':
        return await connectCommand(rest, io);
      case 'listen':
        return await listenCommand(rest, io, signal === undefined ? {} : { signal });
      case 'bench':
        return await benchCommand(rest, io);
      case 'demo':
        if (rest.length > 0) {
          if (rest[0] === '-h' || rest[0] === '--help') {
            io.stdout.write(`${HELP.demo}\n`);
            return 0;
          }
          throw new UsageError(`demo takes no arguments: ${JSON.stringify(rest[0])}`);
        }
        return await demoCommand(io);
      case undefined:
      case '-h':
      case '--help':
        io.stdout.write(`${HELP.main}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command: ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`sockflow: ${err.message} (see sockflow --help)\n`);
      return 2;
    }
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? e.code : 'ERROR';
    io.stderr.write(`sockflow: ${code}: ${String(e.message ?? err)}\n`);
    return 1;
  }
}
