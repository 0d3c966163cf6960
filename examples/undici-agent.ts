// undici (the HTTP client behind Node's fetch) with sockflow connections under it: an Agent
// whose `connect` opens them, for fetch(url, { dispatcher }). docs/recipes.md walks through
// it; test/examples-libraries.test.ts runs it.
//
// Run it: node dist/examples/undici-agent.js http://127.0.0.1:8080/path
import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { connect, type TlsClientOptions } from 'sockflow';
import { toDuplex } from 'sockflow/streams';
import { Agent, fetch } from 'undici';

// #region docs
/**
 * An undici `Agent` whose connections are sockflow's (at most `connections` per origin;
 * https: through sockflow's TLS with `tls`). undici owns them: it reuses them, closes idle
 * ones after `keepAliveTimeout`, and `close()` ends them. A connection attempt that takes
 * over `connectTimeoutMs` fails the request.
 */
export function sockflowDispatcher({
  connections = 8,
  connectTimeoutMs = 10_000,
  tls = {},
}: { connections?: number; connectTimeoutMs?: number; tls?: TlsClientOptions } = {}): Agent {
  return new Agent({
    connections,
    connect: (target, done) => {
      const https = target.protocol === 'https:';
      const port = Number(target.port || (https ? 443 : 80));
      const signal = AbortSignal.timeout(connectTimeoutMs);
      const sni = target.servername ? { servername: target.servername } : {}; // null for IPs
      connect(
        { host: target.hostname, port },
        https ? { signal, tls: { ...sni, ...tls } } : { signal },
      ).then(
        (conn) => done(null, toDuplex(conn) as unknown as Socket),
        (err: Error) => done(err, null),
      );
    },
  });
}
// #endregion docs

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dispatcher = sockflowDispatcher();
  const res = await fetch(process.argv[2] ?? 'http://127.0.0.1:8080/', { dispatcher });
  console.log(res.status, await res.text());
  await dispatcher.close();
}
