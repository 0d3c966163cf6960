// Writes every code example to .build/snippets/ so that `tsc -p .build/snippets` type-checks
// them (run by `npm run docs`, part of `npm test`): each `@example` in the TSDoc of src/, and
// each ```ts block of README.md and docs/*.md. Each snippet is a module of its own (top-level
// await works, names do not clash). Examples use names they do not define: every export of
// the three entry points (declared as globals in .build/snippets/exports.d.ts, generated from
// typedoc's model, so it follows the API) and the usual variables (`conn`, `listener`…,
// declared in test/tools/snippet-prelude.d.ts).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { markedBlocks, syncExampleBlocks } from './example-blocks.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.build/snippets');

function* files(dir, ext) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'api') yield* files(p, ext);
    } else if (ext.test(e.name)) yield p;
  }
}

const snippets = [];

// TSDoc: ```ts blocks inside @example tags, with the comment's " * " stripped.
for (const file of files(join(ROOT, 'src'), /\.ts$/)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  let inExample = false;
  let block;
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\s*\*( |$)/, '');
    if (/^\s*\*\s*@example/.test(raw)) inExample = true;
    else if (/^\s*\*\s*@\w/.test(raw) || /\*\/\s*$/.test(raw)) {
      if (block === undefined) inExample = false;
    }
    if (!inExample) return;
    if (block === undefined && /^```(ts|typescript)\s*$/.test(line.trim())) {
      block = { file, line: i + 2, text: [] };
    } else if (block !== undefined && line.trim() === '```') {
      snippets.push(block);
      block = undefined;
      inExample = false;
    } else if (block !== undefined) block.text.push(line);
  });
}

// Markdown: ```ts blocks. A block marked as an example file's text (example-blocks.js) is
// checked against the file instead: the file itself is compiled and tested.
const markdown = [join(ROOT, 'README.md'), ...files(join(ROOT, 'docs'), /\.md$/)];
const problems = syncExampleBlocks(markdown);
if (problems.length > 0) {
  console.error(`Examples that differ from their files:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
for (const file of markdown) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const marked = new Set(markedBlocks(file).blocks.map((b) => b.open));
  let block;
  let indent = '';
  lines.forEach((line, i) => {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(line);
    if (block === undefined && open && !marked.has(i)) {
      indent = open[1];
      block = { file, line: i + 2, text: [], markdown: true };
    } else if (block !== undefined && line.trim() === '```') {
      snippets.push(block);
      block = undefined;
    } else if (block !== undefined) {
      block.text.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
  });
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'bare'), { recursive: true });
const index = [];
snippets.forEach((s, n) => {
  const name = `s${String(n).padStart(3, '0')}.ts`;
  const where = `${relative(ROOT, s.file)}:${s.line}`;
  index.push(`${name} ${where}`);
  writeFileSync(join(OUT, name), `// ${where}\n${s.text.join('\n')}\nexport {};\n`);
  // The guides' blocks again, without the prelude: one that type-checks on its own is a whole
  // program, which must be a file in examples/ (typecheck-snippets.js says so).
  if (s.markdown) writeFileSync(join(OUT, 'bare', name), `// ${where}\n${s.text.join('\n')}\n`);
});
writeFileSync(join(OUT, 'index.txt'), `${index.join('\n')}\n`);

// Every export of the three entry points, as a global of the same kind.
const MODULE_OF = {
  sockflow: 'sockflow',
  'sockflow/streams': 'sockflow/streams',
  'sockflow/compat': 'sockflow/compat',
};
const model = JSON.parse(readFileSync(join(ROOT, '.build/api.json'), 'utf8'));
const VALUE = new Set([64 /* function */, 32 /* variable */]);
const TYPE = new Set([256 /* interface */, 2097152 /* type alias */]);
const BOTH = new Set([128 /* class */, 8 /* enum */]);
const decls = [];
for (const mod of model.children) {
  const spec = MODULE_OF[mod.name];
  if (spec === undefined) throw new Error(`unknown entry point in the API model: ${mod.name}`);
  for (const x of mod.children ?? []) {
    const ref = `import('${spec}').${x.name}`;
    const params = x.typeParameters?.map((t) => t.name) ?? [];
    const generic = params.length > 0 ? `<${params.join(', ')}>` : '';
    if (VALUE.has(x.kind) || BOTH.has(x.kind))
      decls.push(`declare const ${x.name}: typeof ${ref};`);
    if (TYPE.has(x.kind) || BOTH.has(x.kind))
      decls.push(`type ${x.name}${generic} = ${ref}${generic};`);
  }
}
writeFileSync(
  join(OUT, 'exports.d.ts'),
  `// Generated by test/tools/extract-snippets.js.\n${decls.join('\n')}\n`,
);
writeFileSync(
  join(OUT, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.json',
      compilerOptions: {
        noEmit: true,
        noUnusedLocals: false,
        noUnusedParameters: false,
        rootDir: '../..',
      },
      include: ['*.ts', '../../test/tools/snippet-prelude.d.ts'],
      files: [],
    },
    null,
    2,
  ),
);
writeFileSync(
  join(OUT, 'bare', 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../../tsconfig.json',
      compilerOptions: { noEmit: true, noUnusedLocals: false, rootDir: '../../..' },
      include: ['*.ts'],
    },
    null,
    2,
  ),
);
console.log(
  `${snippets.length} code examples written to ${relative(ROOT, OUT)}/ (index.txt maps them)`,
);
