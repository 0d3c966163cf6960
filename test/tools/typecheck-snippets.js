// Type-checks the code examples extract-snippets.js wrote, and reports each error at its
// source: the file and line of the example in src/, README.md or docs/.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

// A guide's block that type-checks without the prelude is a whole program: it belongs in
// examples/, tested, and shown with an example marker (test/tools/example-blocks.js).
const bare = spawnSync(
  process.execPath,
  [tsc, '-p', join(OUT, 'bare/tsconfig.json'), '--pretty', 'false'],
  { encoding: 'utf8' },
);
const failing = new Set(
  [...`${bare.stdout}${bare.stderr}`.matchAll(/bare\/(s\d+\.ts)\(/g)].map((m) => m[1]),
);
const require = createRequire(import.meta.url);
const ts = require('typescript');
/** Whether a snippet uses sockflow and does something: not only imports and declarations. */
function isProgram(file) {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const usesSockflow = src.statements.some(
    (st) => ts.isImportDeclaration(st) && /^sockflow(\/|$)/.test(st.moduleSpecifier.text),
  );
  const declaration = (st) =>
    ts.isImportDeclaration(st) ||
    ts.isInterfaceDeclaration(st) ||
    ts.isTypeAliasDeclaration(st) ||
    ts.isModuleDeclaration(st) ||
    (ts.canHaveModifiers(st) &&
      (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword));
  return usesSockflow && !src.statements.every(declaration);
}
const programs = readdirSync(join(OUT, 'bare'))
  .filter((f) => /^s\d+\.ts$/.test(f) && !failing.has(f) && isProgram(join(OUT, 'bare', f)))
  .map((f) => where.get(f));
if (programs.length > 0) {
  console.error(
    'Whole programs shown in the docs but not kept in examples/ (make each a file there, ' +
      `with a test, and show it after <!-- example: examples/x.ts -->):\n  ${programs.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(
  `Every code example type-checks (${where.size}); every whole program is a file in examples/.`,
);
