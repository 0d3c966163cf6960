// Socket options set on an open connection: keep-alive probes (read back from the kernel with
// iproute2's ss, which shows a connection's keep-alive timer) and whether the connection keeps
// the process alive (node's own list of the resources that do).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../src/core/index.js';
import { pair } from './helpers.js';

const run = promisify(execFile);

/** The timer ss shows for the TCP connection whose local port is `conn`'s ('' for none). */
async function timerOf(conn: Connection): Promise<string> {
  const local = conn.localAddress;
  if (!('port' in local)) throw new Error('not a TCP connection');
  const { stdout } = await run('ss', ['-tnoH', 'state', 'established', `sport = :${local.port}`]);
  return /timer:\((\w+)/.exec(stdout)?.[1] ?? '';
}

/** Open TCP handles that keep the event loop alive. */
function liveTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

describe('socket options on an open connection', () => {
  it('setKeepAlive turns keep-alive probes on, with its delay, and off', async () => {
    await using p = await pair();
    expect(await timerOf(p.server)).toBe('');
    p.server.setKeepAlive(true, 60_000);
    expect(await timerOf(p.server)).toBe('keepalive');
    p.server.setKeepAlive(false);
    expect(await timerOf(p.server)).toBe('');
    p.server.setKeepAlive(); // true, the system's delay
    expect(await timerOf(p.server)).toBe('keepalive');
  });

  it('unref lets the process exit with the connection open; ref keeps it alive again', async () => {
    await using p = await pair();
    const before = liveTcpHandles();
    p.client.unref();
    expect(liveTcpHandles()).toBe(before - 1);
    p.client.unref(); // twice is once
    expect(liveTcpHandles()).toBe(before - 1);
    p.client.ref();
    expect(liveTcpHandles()).toBe(before);
  });

  it('bad arguments throw typed errors before touching the socket', async () => {
    await using p = await pair();
    expect(() => p.server.setKeepAlive('yes' as unknown as boolean)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => p.server.setKeepAlive(true, -1)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(await timerOf(p.server)).toBe('');
  });

  it('after the connection ended, setKeepAlive, ref and unref do nothing', async () => {
    await using p = await pair();
    await p.server.reset();
    expect(() => {
      p.server.setKeepAlive(true, 1000);
      p.server.unref();
      p.server.ref();
    }).not.toThrow();
  });
});
