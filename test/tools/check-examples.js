// Every export has TSDoc with an @example (and every member of an exported class too), and
// every function or method returning a Promise says what an abort leaves ("Cancel safety").
// Reads the model typedoc wrote beside the HTML; run by `npm run docs`.
import { readFileSync } from 'node:fs';

const MODULE = 2;
const CLASS = 128;
const CHECKED_MEMBERS = new Set([2048 /* method */, 262144 /* accessor */]);

const model = JSON.parse(readFileSync(new URL('../../.build/api.json', import.meta.url), 'utf8'));

function hasExample(node) {
  const comments = [node.comment, node.signatures?.[0]?.comment, node.getSignature?.comment];
  return comments.some((c) => c?.blockTags?.some((t) => t.tag === '@example'));
}

function text(comment) {
  return (comment?.summary ?? []).map((p) => p.text).join('');
}

function isAsync(node) {
  const sig = node.signatures?.[0];
  return sig?.type?.type === 'reference' && sig.type.name === 'Promise';
}

const noCancelSafety = [];
const missing = [];
function walk(node, path) {
  for (const child of node.children ?? []) {
    const name = path ? `${path}.${child.name}` : child.name;
    const exported = node.kind === MODULE || node.kind === 1;
    const member = node.kind === CLASS && CHECKED_MEMBERS.has(child.kind) && !child.inheritedFrom;
    if ((exported || member) && !hasExample(child)) missing.push(name);
    if (
      (exported || member) &&
      isAsync(child) &&
      !text(child.signatures[0].comment).includes('Cancel safety')
    ) {
      noCancelSafety.push(name);
    }
    if (child.kind === MODULE || child.kind === CLASS) walk(child, name);
  }
}
walk(model, '');

if (missing.length > 0) {
  console.error(`Exports without an @example in their TSDoc:\n  ${missing.join('\n  ')}`);
}
if (noCancelSafety.length > 0) {
  console.error(
    `Async exports without a "Cancel safety" paragraph:\n  ${noCancelSafety.join('\n  ')}`,
  );
}
if (missing.length > 0 || noCancelSafety.length > 0) process.exit(1);
console.log('Every export has an @example; every async one says its cancel safety.');
