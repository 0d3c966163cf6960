// A lossy link (issue 16): test/lossy/transfer.inside.ts runs in a network namespace of its
// own (see test/netns.ts) whose loopback drops 5% of packets by an nftables `numgen random`
// rule (test/lossy/lossy.nft; .ci/run installs nftables). Where the namespace or the rule
// cannot be made, the test is skipped and says why, on the console and in its name.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { netnsUnavailable, vitestInNetns } from './netns.js';

const RULES = fileURLToPath(new URL('./lossy/lossy.nft', import.meta.url));
const SETUP = `ip link set lo up && nft -f '${RULES}'`;
const reason = netnsUnavailable(SETUP);
if (reason !== undefined) console.log(`[lossy] skipped: ${reason}`);

describe('a lossy link', () => {
  it.skipIf(reason !== undefined)(
    `16 MiB through every receive idiom and compat, byte-exact, 5% of packets dropped${reason === undefined ? '' : ` (skipped: ${reason})`}`,
    async () => {
      const { code, out } = await vitestInNetns(SETUP, 'test/lossy/vitest.config.ts', '[lossy]');
      expect(out).toMatch(/Tests\s.*5 passed/);
      expect(code, out).toBe(0);
    },
    240_000,
  );
});
