#!/usr/bin/env node
// `sockflow`: the package's command (package.json's `bin`), on the public API.
import { run } from './run.js';

// The first Ctrl-C stops a listener cleanly (exit 0); a second one ends the process at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
const code = await run(process.argv.slice(2), io, interrupt.signal);
// Standard input may still be open (the peer ended first): exit once the output is written.
process.stdout.write('', () => process.exit(code));
