// `npm run test:runtimes`: under Node (this machine's), Bun and Deno (each fetched from the
// npm registry at the version docs/node-notes.md §17 names), runs test/runtimes/smoke.js (the
// core, streams and compat over TCP, TLS, STARTTLS and UDP), test/runtimes/examples.js (the
// examples of the guides) and test/runtimes/libraries.js (the recipes' examples: sockflow
// under node:http, undici, ws, MQTT.js and pg, against a mosquitto and a PostgreSQL started
// here), all against the built package. .ci/run runs it; not part of `npm test`. Ends with one
// line per runtime and exits 1 if any step failed anywhere.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selfSignedDir } from '../../dist/bench/self-signed.js';
import { mosquitto, postgres } from '../../dist/bench/throwaway-servers.js';

const certDir = selfSignedDir('sockflow-runtimes-pg-');
const certFile = join(certDir, 'cert.pem');
const broker = await mosquitto();
const database = await postgres({ tls: { certFile, keyFile: join(certDir, 'key.pem') } });
process.env.SOCKFLOW_MQTT_PORT = String(broker.port);
process.env.SOCKFLOW_PG_PORT = String(database.port);
process.env.SOCKFLOW_PG_CA = certFile;

const scripts = ['smoke.js', 'examples.js', 'libraries.js'].map((f) =>
  fileURLToPath(new URL(`./${f}`, import.meta.url)),
);
const runtimes = [
  ['node', (script) => [process.execPath, script]],
  ['bun 1.4.5', (script) => ['npx', '-y', 'bun@1.4.5', script]],
  ['deno 2.9.6', (script) => ['npx', '-y', 'deno@2.9.6', 'run', '-A', script]],
];
const summary = [];
for (const [name, command] of runtimes) {
  let failed = 0;
  for (const script of scripts) {
    console.log(`== ${name}: ${script.split('/').at(-1)}`);
    const [cmd, ...args] = command(script);
    const r = spawnSync(cmd, args, { stdio: 'inherit', timeout: 300_000 });
    if (r.status !== 0) failed++;
  }
  summary.push(`${name}: ${failed === 0 ? 'passed' : `${failed} script(s) failed`}`);
}
await broker.stop();
await database.stop();
rmSync(certDir, { recursive: true, force: true });
console.log(summary.join('\n'));
const ok = summary.every((l) => l.endsWith('passed'));
console.log(ok ? 'every runtime passed' : 'some runtime failed');
process.exit(ok ? 0 : 1);
