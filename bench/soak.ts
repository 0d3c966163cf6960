// `npm run soak`: many concurrent connections echo random payloads for a while, through the
// core and then through compat, and every byte is checked. Not part of `npm test` (which runs
// a 1,000-connection, few-second version: test/soak.test.ts).
//
//   SOAK_CONNECTIONS  connections at once (default 10,000)
//   SOAK_SECONDS      seconds each run echoes (default 60)
//
// Each run has two processes: the echo server (`listen()` with a for-await echo, or the
// ported .NET echo server of examples/saea-echo-server.ts) and the clients (core connections,
// each sending payloads of 1 B to 16 KiB, sometimes split across two sends, and checking the
// echo). Printed per run: connections held at once, bytes moved, errors (must be 0) and each
// process's peak RSS. Exits 1 if any run had an error.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { runClients, startEchoServer, type SoakStats } from './soak-parts.js';

const SELF = fileURLToPath(import.meta.url);

interface Reported extends SoakStats {
  maxRss: number;
}

function report(stats: SoakStats): void {
  const r: Reported = { ...stats, maxRss: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
}

/** Runs this script as `args` in a child process; resolves its first PORT and its RESULT. */
function child(args: string[]): {
  port: Promise<number>;
  result: Promise<Reported>;
  stdin: NodeJS.WritableStream;
} {
  const c = spawn(process.execPath, [SELF, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let onPort: (p: number) => void = () => {};
  const port = new Promise<number>((r) => (onPort = r));
  c.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /^PORT (\d+)$/m.exec(out);
    if (m !== null) onPort(Number(m[1]));
  });
  const result = once(c, 'close').then(([code]) => {
    const m = /^RESULT (.*)$/m.exec(out);
    if (code !== 0 || m === null) throw new Error(`soak ${args.join(' ')} exited with ${code}`);
    return JSON.parse(m[1] as string) as Reported;
  });
  return { port, result, stdin: c.stdin };
}

const [role, ...args] = process.argv.slice(2);
if (role === 'server') {
  const server = await startEchoServer(args[0] === 'compat' ? 'compat' : 'core', Number(args[1]));
  process.stdout.write(`PORT ${server.port}\n`);
  // The orchestrator closes our stdin once the clients are done.
  process.stdin.resume();
  await once(process.stdin, 'end');
  await server.close();
  report(server.stats());
  process.exit(0); // the compat example's pool keeps nothing open, but be sure
} else if (role === 'client') {
  report(await runClients(Number(args[0]), Number(args[1]), Number(args[2])));
} else {
  const connections = Number(process.env.SOAK_CONNECTIONS ?? 10_000);
  const seconds = Number(process.env.SOAK_SECONDS ?? 60);
  const MB = 1e6;
  console.log(
    `sockflow soak: ${connections} connections, ${seconds} s per run, ${process.version}`,
  );
  let failed = false;
  for (const mode of ['core', 'compat'] as const) {
    const server = child(['server', mode, String(connections)]);
    const port = await server.port;
    const client = child(['client', String(port), String(connections), String(seconds)]);
    const c = await client.result;
    server.stdin.end();
    const s = await server.result;
    const errors = c.errors + s.errors;
    failed ||= errors > 0 || c.connections !== connections;
    console.log(
      `${mode.padEnd(6)}  connections held ${c.connections} (server saw ${s.connections} at once)  ` +
        `bytes echoed ${(c.bytes / MB).toFixed(0)} MB (server received ${(s.bytes / MB).toFixed(0)} MB)  ` +
        `errors ${errors}  peak RSS: server ${(s.maxRss / MB).toFixed(0)} MB, clients ${(c.maxRss / MB).toFixed(0)} MB`,
    );
    for (const f of [...c.failures, ...s.failures]) console.log(`  ${f}`);
  }
  process.exit(failed ? 1 : 0);
}
