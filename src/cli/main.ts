#!/usr/bin/env node
// `sockflow`: the package's command (package.json's `bin`), on the public API.
import { run } from './run.js';

const code = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
// Standard input may still be open (the peer ended first): exit once the output is written.
process.stdout.write('', () => process.exit(code));
