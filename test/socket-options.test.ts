// Socket options set on an open connection: keep-alive probes (read back from the kernel with
// iproute2's ss, which shows a connection's keep-alive timer) and whether the connection keeps
// the process alive (node's own list of the resources that do).
import { describe, expect, it } from 'vitest';
import { pair, ssTimerOf } from './helpers.js';

/** Open TCP handles that keep the event loop alive. */
function liveTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

describe('socket options on an open connection', () => {
  it('setKeepAlive turns keep-alive probes on, with its delay, and off', async () => {
    await using p = await pair();
    expect(await ssTimerOf(p.server)).toBe('');
    p.server.setKeepAlive(true, 60_000);
    expect(await ssTimerOf(p.server)).toBe('keepalive');
    p.server.setKeepAlive(false);
    expect(await ssTimerOf(p.server)).toBe('');
    p.server.setKeepAlive(); // true, the system's delay
    expect(await ssTimerOf(p.server)).toBe('keepalive');
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
    expect(await ssTimerOf(p.server)).toBe('');
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
