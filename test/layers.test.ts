// Layer arrows point down only (docs/design.md): core imports no other layer; streams and compat
// import core, never each other; nothing imports cli. ESLint enforces the same rule; this test
// checks the tree as it is, independent of the lint configuration.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');
const ALLOWED: Record<string, string[]> = {
  core: ['core'],
  streams: ['streams', 'core'],
  compat: ['compat', 'core'],
  cli: ['cli', 'core', 'streams', 'compat'],
};
const PACKAGE_ENTRIES: Record<string, string> = {
  sockflow: 'core',
  'sockflow/streams': 'streams',
  'sockflow/compat': 'compat',
};

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

function layerOfPath(p: string): string | undefined {
  const rel = relative(SRC, p);
  if (rel.startsWith('..')) return undefined;
  return rel.split(/[\\/]/)[0];
}

describe('layers', () => {
  it('every import in src points down the layer arrows', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOfPath(file) as string;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)) {
        const spec = m[1] as string;
        const to = spec.startsWith('.')
          ? layerOfPath(resolve(dirname(file), spec))
          : PACKAGE_ENTRIES[spec];
        if (to !== undefined && !(ALLOWED[from] ?? []).includes(to)) {
          violations.push(`${relative(SRC, file)} imports ${spec} (${from} -> ${to})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
