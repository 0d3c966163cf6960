// `sockflow bench`: the benchmark suite (bench/run.ts, shipped built beside the command in
// dist/bench/). It runs as a child process of its own, as its peers do, so the command's
// process takes no part in what is measured; its options, output and exit code pass through.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Stdio } from './io.js';

/** Where the built benchmark runner is: dist/bench/run.js beside dist/cli/. */
const RUNNER = fileURLToPath(new URL('../bench/run.js', import.meta.url));

/** Runs the benchmark with `args`; resolves with its exit code. */
export async function benchCommand(args: readonly string[], io: Stdio): Promise<number> {
  if (!existsSync(RUNNER)) {
    io.stderr.write(`sockflow: the benchmark is not built (${RUNNER}): run npm run build\n`);
    return 1;
  }
  // The process's own terminal when it is ours (the progress bar needs to see a TTY); piped
  // into the given streams otherwise (tests run commands in-process).
  const own = io.stdout === process.stdout && io.stderr === process.stderr;
  const child = spawn(process.execPath, [RUNNER, ...args], {
    stdio: own ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'close');
  child.stdout?.pipe(io.stdout, { end: false });
  child.stderr?.pipe(io.stderr, { end: false });
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  return code ?? (signal === 'SIGINT' ? 130 : 1);
}
