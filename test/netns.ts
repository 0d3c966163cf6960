// Runs part of the suite inside a network namespace of its own (`unshare --user
// --map-root-user --net`: no privileges needed where user namespaces are allowed), whose
// loopback a shell command shapes first (nftables rules, a qdisc). For test/lossy.test.ts and
// test/slow-link.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Why a namespace set up by `setup` cannot be made here, or undefined when it can. */
export function netnsUnavailable(setup: string): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux's (${process.platform})`;
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--net', 'sh', '-c', setup], {
    encoding: 'utf8',
  });
  if (probe.error !== undefined) return `unshare could not run: ${probe.error.message}`;
  if (probe.status !== 0) return `the namespace's setup failed: ${probe.stderr.trim()}`;
  return undefined;
}

/**
 * Runs vitest with `config` inside a namespace set up by `setup`; echoes the lines that carry
 * `tag`; resolves with vitest's exit code and output.
 */
export async function vitestInNetns(
  setup: string,
  config: string,
  tag: string,
): Promise<{ code: number; out: string }> {
  const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
  const inside = `${setup} && exec '${process.execPath}' '${vitest}' run --config ${config}`;
  const child = spawn('unshare', ['--user', '--map-root-user', '--net', 'sh', '-c', inside], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SOCKFLOW_TEST_JSON: '' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number];
  for (const line of out.split('\n')) if (line.includes(tag)) console.log(line);
  return { code, out };
}
