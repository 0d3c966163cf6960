// The examples the README and the guides show are files in examples/: a code block right after
// `<!-- example: examples/x.ts -->` must be that file's text between `// #region docs` and
// `// #endregion docs` (the whole file without such markers; `examples/x.ts#name` shows its
// region `name`). `npm run docs` checks it (a
// block that differs fails, naming the file); `node test/tools/example-blocks.js --write`
// copies each file's text into its blocks. test/examples.test.ts and the runtime step run the
// files, so what a reader copies is what was tested.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const MARK = /^\s*<!--\s*example:\s*(\S+)\s*-->\s*$/;
const FENCE = /^(\s*)```(ts|typescript|js|javascript)\s*$/;

/**
 * The text a block shows for `spec`, `path` or `path#name`: the file's region `name` (between
 * `// #region name` and `// #endregion name`); without a name its `docs` region, or all of it.
 */
export function exampleText(spec) {
  const [file, name] = spec.split('#');
  const lines = readFileSync(join(ROOT, file), 'utf8').replace(/\n$/, '').split('\n');
  const region = name ?? 'docs';
  const start = lines.findIndex((l) => l.trim() === `// #region ${region}`);
  const end = lines.findIndex((l) => l.trim() === `// #endregion ${region}`);
  if (start === -1 && end === -1 && name === undefined) return lines;
  if (start === -1 || end <= start) throw new Error(`${file}: no region "${region}"`);
  return lines.slice(start + 1, end).filter((l) => !/^\s*\/\/ #(end)?region /.test(l));
}

/**
 * The marked blocks of one Markdown file: `{ file, example, open, close }` (0-based line
 * numbers of the fences), for each ```ts or ```js block after an example marker.
 */
export function markedBlocks(mdPath) {
  const lines = readFileSync(mdPath, 'utf8').split('\n');
  const blocks = [];
  let pending;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const mark = MARK.exec(line);
    if (mark) {
      pending = mark[1];
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence && pending !== undefined) {
      const close = lines.findIndex((l, j) => j > i && l.trim() === '```');
      blocks.push({ md: mdPath, example: pending, open: i, close, indent: fence[1] });
      i = close;
    }
    if (line.trim() !== '') pending = undefined;
  }
  return { lines, blocks };
}

/** Checks (or, with `write`, fixes) every marked block of `mdPaths`; returns the problems. */
export function syncExampleBlocks(mdPaths, write = false) {
  const problems = [];
  for (const md of mdPaths) {
    const { lines, blocks } = markedBlocks(md);
    let changed = false;
    for (const b of blocks.reverse()) {
      let want;
      try {
        want = exampleText(b.example).map((l) => (l === '' ? '' : b.indent + l));
      } catch (err) {
        problems.push(`${relative(ROOT, md)}:${b.open + 1}: ${err.message}`);
        continue;
      }
      const have = lines.slice(b.open + 1, b.close);
      if (have.join('\n') === want.join('\n')) continue;
      if (write) {
        lines.splice(b.open + 1, b.close - b.open - 1, ...want);
        changed = true;
      } else {
        problems.push(
          `${relative(ROOT, md)}:${b.open + 1}: the block differs from ${b.example} ` +
            '(node test/tools/example-blocks.js --write copies it)',
        );
      }
    }
    if (changed) writeFileSync(md, lines.join('\n'));
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { readdirSync } = await import('node:fs');
  const mds = [
    join(ROOT, 'README.md'),
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(ROOT, 'docs', f)),
  ];
  const problems = syncExampleBlocks(mds, process.argv.includes('--write'));
  for (const p of problems) console.error(p);
  process.exit(problems.length > 0 ? 1 : 0);
}
