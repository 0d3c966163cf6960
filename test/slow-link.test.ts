// A slow link: test/slow-link/udp.inside.ts runs in a network namespace of its own (see
// test/netns.ts) whose loopback a tbf qdisc shapes to 4 Mbit/s (`tc`, from iproute2, which
// .ci/run installs), so that the OS stops taking datagrams at once and sends must pend. Where
// the namespace or the qdisc cannot be made, the test is skipped and says why, on the console
// and in its name.
import { describe, expect, it } from 'vitest';
import { netnsUnavailable, vitestInNetns } from './netns.js';

const SETUP = 'ip link set lo up && tc qdisc add dev lo root tbf rate 4mbit burst 8kb latency 2s';
const reason = netnsUnavailable(SETUP);
if (reason !== undefined) console.log(`[slow-link] skipped: ${reason}`);

describe('a slow link', () => {
  it.skipIf(reason !== undefined)(
    `UDP sends the OS does not take at once pend and complete, core and compat${reason === undefined ? '' : ` (skipped: ${reason})`}`,
    async () => {
      const { code, out } = await vitestInNetns(
        SETUP,
        'test/slow-link/vitest.config.ts',
        '[slow-link]',
      );
      expect(out).toMatch(/Tests\s.*2 passed/);
      expect(code, out).toBe(0);
    },
    120_000,
  );
});
