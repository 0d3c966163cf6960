// The package as a user installs it (issue 18): `npm pack`, installed into a fresh project,
// imports its three entry points from ESM, type-checks under TypeScript's `nodenext` and
// `bundler` resolution, loads from CommonJS through Node's require(esm) where the runtime has
// it (Node 20.19+, 22.12+, 24, 26) and otherwise fails with Node's own clear error, and
// `npx sockflow --help`, `sockflow demo` and `sockflow bench` work. Run by `npm test` (after the build) and so by CI.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'sockflow-package-'));
const project = join(dir, 'project');
let failed = 0;

function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name}${detail ? `: ${detail}` : ''}`);
  if (!ok) failed++;
}

function sh(cmd, args, cwd) {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });
}

try {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  );
  const tarball = join(dir, packed[0].filename);
  console.log(
    `packed ${packed[0].filename}: ${packed[0].entryCount} files, ${packed[0].size} bytes`,
  );
  check(
    'the tarball has the command (with the built benchmark), the three entry points and their types',
    [
      'dist/cli/main.js',
      'dist/core/index.d.ts',
      'dist/streams/index.js',
      'dist/compat/index.js',
      'dist/bench/run.js',
      'LICENSE',
      'CHANGELOG.md',
    ].every((f) => packed[0].files.some((x) => x.path === f)),
  );
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  check(
    'package.json: sideEffects false, repository, keywords, license',
    manifest.sideEffects === false &&
      typeof manifest.repository?.url === 'string' &&
      manifest.keywords?.length > 0 &&
      manifest.license === 'MIT',
  );
  check(
    'the tarball has no TypeScript sources or tests',
    !packed[0].files.some(
      (x) => /^(src|test|bench|examples)\//.test(x.path) || /(?<!\.d)\.ts$/.test(x.path),
    ),
  );

  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'fresh', private: true, type: 'module' }),
  );
  const typesNode = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies[
    '@types/node'
  ];
  const install = sh(
    'npm',
    ['install', '--no-save', '--prefer-offline', tarball, `@types/node@${typesNode}`],
    project,
  );
  check(
    'npm install of the tarball',
    install.status === 0,
    install.status === 0 ? '' : install.stderr.trim().split('\n').slice(-3).join(' | '),
  );

  writeFileSync(
    join(project, 'esm.mjs'),
    `
import { connect, listen, bind } from 'sockflow';
import { toDuplex, lines } from 'sockflow/streams';
import { Socket, SocketAsyncEventArgs } from 'sockflow/compat';
// Plain JavaScript on Node 20 and 22 has no \`await using\`: try/finally.
const l = await listen({ host: '127.0.0.1', port: 0 });
try {
  const c = await connect({ host: '127.0.0.1', port: l.address.port });
  await c.close();
} finally {
  await l.close();
}
console.log([connect, listen, bind, toDuplex, lines, Socket, SocketAsyncEventArgs].every((f) => typeof f === 'function'));
`,
  );
  const esm = sh(process.execPath, ['esm.mjs'], project);
  check(
    'ESM: the three entry points import, and a connection opens',
    esm.stdout.trim() === 'true',
    esm.stderr.trim().split('\n')[0] ?? '',
  );

  writeFileSync(
    join(project, 'cjs.cjs'),
    `
try {
  const { connect } = require('sockflow');
  const { Socket } = require('sockflow/compat');
  const { toDuplex } = require('sockflow/streams');
  console.log('require(esm)', typeof connect, typeof Socket, typeof toDuplex);
} catch (err) {
  console.log('refused', err.code, err.message.split('\\n')[0]);
}
`,
  );
  const cjs = sh(process.execPath, ['cjs.cjs'], project);
  const [major, minor] = process.versions.node.split('.').map(Number);
  const hasRequireEsm =
    major >= 23 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
  check(
    `CommonJS on Node ${process.versions.node}: ${hasRequireEsm ? 'works through require(esm)' : "fails with Node's ERR_REQUIRE_ESM"}`,
    hasRequireEsm
      ? cjs.stdout.trim() === 'require(esm) function function function'
      : /refused ERR_REQUIRE_ESM/.test(cjs.stdout),
    cjs.stdout.trim(),
  );

  writeFileSync(
    join(project, 'index.ts'),
    `
import { connect, type Connection, type DatagramSocket } from 'sockflow';
import { toDuplex } from 'sockflow/streams';
import { Socket, SocketType, AddressFamily, ProtocolType } from 'sockflow/compat';
export async function use(): Promise<number> {
  const c: Connection = await connect({ host: '127.0.0.1', port: 7 });
  const d = toDuplex(c);
  const s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
  const u: DatagramSocket | undefined = undefined;
  void d; void s; void u;
  return c.bufferedBytes;
}
`,
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [module, resolution] of [
    ['nodenext', 'nodenext'],
    ['esnext', 'bundler'],
  ]) {
    const r = sh(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        'false',
        '--target',
        'es2022',
        '--lib',
        'es2022,esnext.disposable',
        '--types',
        'node',
        '--module',
        module,
        '--moduleResolution',
        resolution,
        'index.ts',
      ],
      project,
    );
    check(
      `TypeScript, moduleResolution ${resolution}`,
      r.status === 0,
      r.stdout.trim().split('\n').slice(0, 3).join(' | '),
    );
  }

  const npx = sh('npx', ['--no-install', 'sockflow', '--help'], project);
  check(
    'npx sockflow --help',
    npx.status === 0 && npx.stdout.startsWith('Usage: sockflow'),
    npx.stderr.trim().split('\n')[0] ?? '',
  );

  const demo = sh('npx', ['--no-install', 'sockflow', 'demo'], project);
  check(
    'npx sockflow demo',
    demo.status === 0 && demo.stdout.includes('the echo was intact'),
    (demo.stderr || demo.stdout).trim().split('\n').at(-1) ?? '',
  );

  // The benchmark ships with the command; without the development dependencies (promise-socket)
  // it leaves those rows out. One small case, as JSON.
  const bench = sh(
    'npx',
    [
      '--no-install',
      'sockflow',
      'bench',
      '--only',
      'send-queue',
      '--reps',
      '1',
      '--queued-sends',
      '1000',
      '--json',
    ],
    project,
  );
  let benchOk = false;
  try {
    const result = JSON.parse(bench.stdout);
    benchOk = bench.status === 0 && result.cases[0]?.name === 'send-queue';
  } catch {
    // not JSON: reported below
  }
  check(
    'npx sockflow bench --json (send-queue)',
    benchOk,
    bench.stderr.trim().split('\n').at(-1) ?? '',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  failed === 0 ? 'the package installs and works as a user gets it' : `${failed} check(s) failed`,
);
process.exit(failed === 0 ? 0 : 1);
