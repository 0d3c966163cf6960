// A lossy link (issue 16): test/lossy/transfer.inside.ts runs in a network namespace of its
// own (`unshare --user --map-root-user --net`, no privileges needed where user namespaces are
// allowed) whose loopback drops 5% of packets by an nftables `numgen random` rule
// (test/lossy/lossy.nft; .ci/run installs nftables). Where the namespace or the rule cannot
// be made, the test is skipped and says why, on the console and in its name.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RULES = fileURLToPath(new URL('./lossy/lossy.nft', import.meta.url));
const SETUP = `ip link set lo up && nft -f '${RULES}'`;

/** Why a lossy namespace cannot be made here, or undefined when it can. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux's (${process.platform})`;
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--net', 'sh', '-c', SETUP], {
    encoding: 'utf8',
  });
  if (probe.error !== undefined) return `unshare could not run: ${probe.error.message}`;
  if (probe.status !== 0)
    return `the namespace or its nftables rule failed: ${probe.stderr.trim()}`;
  return undefined;
}

const reason = unavailable();
if (reason !== undefined) console.log(`[lossy] skipped: ${reason}`);

describe('a lossy link', () => {
  it.skipIf(reason !== undefined)(
    `16 MiB through every receive idiom and compat, byte-exact, 5% of packets dropped${reason === undefined ? '' : ` (skipped: ${reason})`}`,
    async () => {
      const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
      const inside = `${SETUP} && exec '${process.execPath}' '${vitest}' run --config test/lossy/vitest.config.ts`;
      const child = spawn('unshare', ['--user', '--map-root-user', '--net', 'sh', '-c', inside], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SOCKFLOW_TEST_JSON: '' },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const [code] = (await once(child, 'close')) as [number];
      for (const line of out.split('\n')) if (line.includes('[lossy]')) console.log(line);
      expect(out).toMatch(/Tests\s.*5 passed/);
      expect(code, out).toBe(0);
    },
    240_000,
  );
});
