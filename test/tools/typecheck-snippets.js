// Type-checks the code examples extract-snippets.js wrote, and reports each error at its
// source: the file and line of the example in src/, README.md or docs/.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.build/snippets');
const where = new Map(
  readFileSync(join(OUT, 'index.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ')),
);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(
  process.execPath,
  [tsc, '-p', join(OUT, 'tsconfig.json'), '--pretty', 'false'],
  {
    encoding: 'utf8',
  },
);
const out = `${r.stdout}${r.stderr}`.replace(
  /\.build\/snippets\/(s\d+\.ts)\((\d+),(\d+)\)/g,
  (all, name, line, col) => {
    const at = where.get(name);
    if (at === undefined) return all;
    const [file, start] = at.split(/:(?=\d+$)/);
    // Line 1 of a snippet is the comment naming its source; line 2 is the source's `start`.
    return `${file}:${Number(start) + Number(line) - 2}:${col} (example ${name})`;
  },
);
if (r.status !== 0) {
  console.error(`Code examples that do not type-check:\n${out}`);
  process.exit(1);
}
console.log(`Every code example type-checks (${where.size}).`);
