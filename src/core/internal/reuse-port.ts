// Whether this runtime and platform balance a port's connections over several listeners
// (SO_REUSEPORT through `net.Server.listen({ reusePort })`): Node 22.12+ and 23.1+ on Linux
// 3.9+, FreeBSD 12+, DragonFlyBSD 3.6+, Solaris 11.4 and AIX 7.2.5. Node 20 and 22.11 ignore
// the option without a word, other platforms fail the listen; Bun and Deno each do their own
// thing. So it is probed, once per process, with the public API alone: two listeners on one
// loopback port, both asking for it. The second bind succeeds only where the option is really
// set on both sockets.
import * as net from 'node:net';

let probe: Promise<string | undefined> | undefined;

/** Resolves with `undefined` where `reusePort` works, else with why it does not. */
export function reusePortUnsupported(): Promise<string | undefined> {
  return (probe ??= probeReusePort());
}

function listenOn(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // `reusePort` is not in the Node 20 type definitions this package builds against.
    server.listen({ port, host: '127.0.0.1', reusePort: true } as net.ListenOptions, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function probeReusePort(): Promise<string | undefined> {
  const runtime = describeRuntime();
  const first = net.createServer();
  const second = net.createServer();
  try {
    try {
      await listenOn(first, 0);
    } catch (err) {
      return `${runtime} on ${process.platform} cannot listen with SO_REUSEPORT (${codeOf(err)})`;
    }
    try {
      await listenOn(second, (first.address() as net.AddressInfo).port);
      return undefined;
    } catch (err) {
      return `${runtime} on ${process.platform} does not set SO_REUSEPORT: a second listener on the same port fails (${codeOf(err)})`;
    }
  } finally {
    first.close();
    second.close();
  }
}

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? String(err);
}

function describeRuntime(): string {
  const v = process.versions as Record<string, string | undefined>;
  if (v.bun !== undefined) return `Bun ${v.bun}`;
  if (v.deno !== undefined) return `Deno ${v.deno}`;
  return `Node ${process.version}`;
}
