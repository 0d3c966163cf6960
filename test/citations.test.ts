// Sources, tests and docs cite the contract by number: "invariant 7" (docs/design.md), "node-notes
// §5" (docs/node-notes.md) and compat IDs such as "C7" or "F1/E8" (docs/compat-conformance.md).
// Every citation must resolve in this repository, so a fresh clone can follow each one.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function* files(dir: string, ext: RegExp): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'api' && e.name !== 'node_modules') yield* files(p, ext);
    } else if (ext.test(e.name)) yield p;
  }
}

const doc = (name: string): string => readFileSync(join(ROOT, 'docs', name), 'utf8');

/** The invariants: the numbered list under "### Invariants" in docs/design.md. */
function invariants(): Set<number> {
  const text = doc('design.md');
  const start = text.indexOf('### Invariants');
  const end = text.indexOf('\n### ', start + 1);
  const section = text.slice(start, end);
  return new Set([...section.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1])));
}

/** The sections of docs/node-notes.md: "## §N. …". */
function nodeNotes(): Set<number> {
  return new Set([...doc('node-notes.md').matchAll(/^## §(\d+)\. /gm)].map((m) => Number(m[1])));
}

/** The IDs of docs/compat-conformance.md: items that start a line as "A1.", "B12."… */
function compatIds(): Set<string> {
  return new Set(
    [...doc('compat-conformance.md').matchAll(/^([A-F]\d{1,2})\. /gm)].map((m) => m[1] as string),
  );
}

/** Numbers in "1, 2, 3 and 5", "7 and 8", "8-17" / "§8-§17". */
function numbers(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(/,\s*|\s+and\s+/)) {
    const range = /^§?(\d+)\s*[-–]\s*§?(\d+)$/.exec(part.trim());
    if (range) {
      for (let n = Number(range[1]); n <= Number(range[2]); n++) out.push(n);
    } else if (/^§?\d+$/.test(part.trim())) out.push(Number(part.trim().replace('§', '')));
  }
  return out;
}

interface Citation {
  where: string;
  cited: string;
}

function citations(): { invariant: Citation[]; note: Citation[]; compat: Citation[] } {
  const result = { invariant: [] as Citation[], note: [] as Citation[], compat: [] as Citation[] };
  const sources = [
    ...files(join(ROOT, 'src'), /\.ts$/),
    ...files(join(ROOT, 'test'), /\.ts$/),
    ...files(join(ROOT, 'docs'), /\.md$/),
  ];
  for (const file of sources) {
    const rel = relative(ROOT, file);
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      const where = `${rel}:${i + 1}`;
      for (const m of line.matchAll(/\binvariants? ((?:\d+(?:, | and |\s*[-–]\s*))*\d+)/g)) {
        for (const n of numbers(m[1] as string)) result.invariant.push({ where, cited: String(n) });
      }
      for (const m of line.matchAll(
        /node-notes(?:\.md)?\)?,? ((?:§\d+(?:, | and |\s*[-–]\s*))*§\d+)/g,
      )) {
        for (const n of numbers(m[1] as string)) result.note.push({ where, cited: String(n) });
      }
    });
    // Compat IDs are cited in compat's own sources and tests (elsewhere "B2" is not an ID).
    const compat = rel.startsWith('src/compat') || rel.startsWith('test/compat');
    if (compat) {
      lines.forEach((line, i) => {
        for (const m of line.matchAll(/\b([A-F]\d{1,2})\b/g)) {
          result.compat.push({ where: `${rel}:${i + 1}`, cited: m[1] as string });
        }
      });
    }
  }
  return result;
}

describe('citations of the contract resolve in this repository', () => {
  const cited = citations();

  it('every "invariant N" cited in src/, test/ and docs/ is an invariant of docs/design.md', () => {
    const defined = invariants();
    expect([...defined].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(cited.invariant.length).toBeGreaterThan(10);
    const missing = cited.invariant.filter((c) => !defined.has(Number(c.cited)));
    expect(missing).toEqual([]);
  });

  it('every "node-notes §N" cited is a section of docs/node-notes.md', () => {
    const defined = nodeNotes();
    expect(defined.size).toBeGreaterThanOrEqual(17);
    expect(cited.note.length).toBeGreaterThan(10);
    const missing = cited.note.filter((c) => !defined.has(Number(c.cited)));
    expect(missing).toEqual([]);
  });

  it('every compat ID cited in src/compat and test/compat is defined in docs/compat-conformance.md', () => {
    const defined = compatIds();
    expect(defined.size).toBeGreaterThan(90);
    expect(cited.compat.length).toBeGreaterThan(100);
    const missing = cited.compat.filter((c) => !defined.has(c.cited));
    expect(missing).toEqual([]);
  });
});
