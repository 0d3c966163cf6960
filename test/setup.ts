// Shared by every test file: after each test no socket handle it opened may stay open
// (invariant 9), and no process warning (a MaxListenersExceededWarning: an abort listener
// left behind) or unhandled rejection may have happened during it. The test runner's own
// pipes are there before the test and are not counted.
import { afterEach, beforeEach, expect } from 'vitest';

const SOCKET_RESOURCES = new Set(['TCPSocketWrap', 'TCPServerWrap', 'PipeWrap', 'PipeServerWrap']);

function countSockets(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) {
    if (SOCKET_RESOURCES.has(r)) m.set(r, (m.get(r) ?? 0) + 1);
  }
  return m;
}

let baseline = new Map<string, number>();

// What the process reported during the current test.
const warnings: string[] = [];
const unhandled: unknown[] = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));
process.on('unhandledRejection', (reason) => unhandled.push(reason));

function leaked(): string[] {
  const out: string[] = [];
  for (const [name, n] of countSockets()) {
    const extra = n - (baseline.get(name) ?? 0);
    for (let i = 0; i < extra; i++) out.push(name);
  }
  return out;
}

beforeEach(() => {
  baseline = countSockets();
  warnings.length = 0;
  unhandled.length = 0;
});

afterEach(async () => {
  // Handles close on a later turn of the event loop: give them a moment, then insist.
  for (let i = 0; i < 300 && leaked().length > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(leaked(), 'socket handles left open after the test').toEqual([]);
  expect(warnings, 'process warnings during the test').toEqual([]);
  expect(unhandled, 'unhandled rejections during the test').toEqual([]);
});
