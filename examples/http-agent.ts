// node:http's keep-alive Agent with sockflow connections under it: every request made with
// this agent (http.get, http.request, and libraries built on them) runs over a sockflow
// connection, pooled and reused by the Agent. docs/recipes.md walks through it;
// test/examples-libraries.test.ts runs it.
//
// Run it: node dist/examples/http-agent.js http://127.0.0.1:8080/path
import * as http from 'node:http';
import { pathToFileURL } from 'node:url';
import { connect } from 'sockflow';
import { toDuplex } from 'sockflow/streams';

// #region docs
/**
 * A keep-alive `http.Agent` whose sockets are sockflow connections. The Agent owns them: it
 * keeps idle ones for the next request, closes those idle past `timeout`, and `destroy()`
 * closes them all. A connection attempt that takes over `connectTimeoutMs` fails the request.
 */
export function sockflowAgent(
  options: http.AgentOptions & { connectTimeoutMs?: number } = {},
): http.Agent {
  const { connectTimeoutMs = 10_000, ...agentOptions } = options;
  const agent = new http.Agent({ keepAlive: true, ...agentOptions });
  // A socket at once, still connecting, as net.createConnection gives one: the Agent counts
  // it against maxSockets from the start. It carries the net.Socket members the Agent calls;
  // destroying it while it connects (an aborted request) aborts the attempt.
  agent.createConnection = (target) => {
    const to = { host: target.host ?? 'localhost', port: Number(target.port ?? 80) };
    return toDuplex((destroyed) => {
      const signal = AbortSignal.any([destroyed, AbortSignal.timeout(connectTimeoutMs)]);
      return connect(to, { signal });
    });
  };
  return agent;
}
// #endregion docs

/** The body of `url` got with `agent`, as text; `signal` aborts the request. */
export function getText(
  url: string,
  agent: http.Agent,
  signal?: AbortSignal,
): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const agent = sockflowAgent();
  const { status, body } = await getText(process.argv[2] ?? 'http://127.0.0.1:8080/', agent);
  console.log(status, body);
  agent.destroy();
}
