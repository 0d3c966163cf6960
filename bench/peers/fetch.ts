// Issue 24's fetch case: undici (the client behind Node's fetch) against a local keep-alive
// HTTP server, with undici's own connector and with sockflow connections handed to it through
// its Agent's `connect` hook (toDuplex), 50 requests in flight:
//
//   fetch-client <impl> <port> <requests>   impl: undici | sockflow; prints RESULT (requests,
//                                           the main thread's exact CPU) after an unmeasured
//                                           tenth of the requests
import type * as net from 'node:net';
import { connect } from 'sockflow';
import { toDuplex } from 'sockflow/streams';
import { measure } from './common.js';

const IN_FLIGHT = 50;

export async function fetchClient(impl: string, port: number, requests: number): Promise<void> {
  if (impl !== 'undici' && impl !== 'sockflow') throw new Error(`unknown fetch client ${impl}`);
  // A development dependency: an installed sockflow runs its bench without it (run.ts checks).
  const { Agent, fetch } = await import('undici');
  const agent =
    impl === 'undici'
      ? new Agent({ connections: IN_FLIGHT })
      : new Agent({
          connections: IN_FLIGHT,
          connect: (options, done) => {
            connect({ host: options.hostname, port: Number(options.port) }).then(
              (conn) => done(null, toDuplex(conn) as unknown as net.Socket),
              (err: Error) => done(err, null),
            );
          },
        });
  const url = `http://127.0.0.1:${port}/`;
  const run = async (n: number): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next++ < n) {
          const res = await fetch(url, { dispatcher: agent });
          if ((await res.text()) !== 'Hello, World!') throw new Error('wrong body');
        }
      }),
    );
  };
  await run(Math.ceil(requests / 10)); // connections made, code compiled
  const done = measure();
  await run(requests);
  done({ bytes: 0, messages: requests });
  await agent.close();
}
