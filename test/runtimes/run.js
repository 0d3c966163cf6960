// `npm run test:runtimes`: runs test/runtimes/smoke.js against the built package under Node
// (this machine's), Bun and Deno, each fetched from the npm registry at the version
// docs/node-notes.md §17 names. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const smoke = fileURLToPath(new URL('./smoke.js', import.meta.url));
const runtimes = [
  ['node', [process.execPath, smoke]],
  ['bun 1.4.5', ['npx', '-y', 'bun@1.4.5', smoke]],
  ['deno 2.9.6', ['npx', '-y', 'deno@2.9.6', 'run', '-A', smoke]],
];
let failed = 0;
for (const [name, [cmd, ...args]] of runtimes) {
  console.log(`== ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', timeout: 180_000 });
  if (r.status !== 0) failed++;
}
console.log(failed === 0 ? 'every runtime passed' : `${failed} runtime(s) failed`);
process.exit(failed === 0 ? 0 : 1);
