// Throwaway instances of real servers for the tests that hand sockflow connections to real
// clients (test/examples-libraries.test.ts, test/examples-pg.test.ts, and
// test/runtimes/run.js through the built copy): each on a free loopback port, in its own
// temporary directory, stopped and removed by its caller. Debian's packages (.ci/run installs
// them): mosquitto, postgresql.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOOPBACK = '127.0.0.1';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port nothing listens on now (for a server of another program). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, LOOPBACK, resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** `f()` again every 50 ms while it rejects (a server still starting), for at most `ms`. */
export async function retry<T>(f: () => Promise<T>, ms = 5_000): Promise<T> {
  for (const end = Date.now() + ms; ; await sleep(50)) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > end) throw err;
    }
  }
}

/** A running throwaway server. */
export interface Throwaway {
  port: number;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

async function stopped(child: ChildProcess, dir: string, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
}

/** A mosquitto broker, anonymous clients allowed, on `port` (a free one by default). */
export async function mosquitto(port?: number): Promise<Throwaway> {
  port ??= await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'sockflow-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} ${LOOPBACK}\nallow_anonymous true\n`);
  // Debian's mosquitto is in /usr/sbin, which is not on every PATH.
  const bin = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
  const broker = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  const stop = (): Promise<void> => stopped(broker, dir, 'SIGTERM');
  // Ready when it accepts a connection (it listens within milliseconds of starting).
  try {
    await retry(async () => {
      const probe = net.connect(port, LOOPBACK);
      await once(probe, 'connect');
      probe.destroy();
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}

/** The newest PostgreSQL's programs: Debian keeps them in /usr/lib/postgresql/<major>/bin. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0] === undefined) throw new Error('PostgreSQL is not installed (.ci/run installs it)');
  return join(root, majors[0], 'bin');
}

/** PostgreSQL will not run as root: as root, its programs run as the `postgres` user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** PostgreSQL options for a throwaway instance: TLS optional beside plain connections. */
export interface PostgresOptions {
  /** Turns TLS on with this certificate and key (PEM files, copied into the instance). */
  tls?: { certFile: string; keyFile: string };
}

/**
 * A PostgreSQL cluster made by initdb in a temporary directory: user `postgres`, trust
 * authentication on 127.0.0.1 only, no Unix socket, no fsync (nothing here must survive).
 */
export async function postgres(options: PostgresOptions = {}): Promise<Throwaway> {
  const bin = postgresBin();
  const user = postgresUser();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'sockflow-postgres-'));
  const data = join(dir, 'data');
  const as = { cwd: dir, ...user };
  const settings = [
    `listen_addresses=${LOOPBACK}`,
    'unix_socket_directories=',
    'fsync=off',
    'synchronous_commit=off',
    'full_page_writes=off',
  ];
  if (options.tls !== undefined) {
    // The server reads its key only if no one else can: its own copies, mode 0600.
    await copyFile(options.tls.certFile, join(dir, 'server.crt'));
    await copyFile(options.tls.keyFile, join(dir, 'server.key'));
    await chmod(join(dir, 'server.key'), 0o600);
    settings.push(
      'ssl=on',
      `ssl_cert_file=${join(dir, 'server.crt')}`,
      `ssl_key_file=${join(dir, 'server.key')}`,
    );
  }
  if (user !== undefined) {
    for (const f of ['', ...(options.tls === undefined ? [] : ['server.crt', 'server.key'])]) {
      await chown(join(dir, f), user.uid, user.gid);
    }
  }
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'],
    { ...as, stdio: 'ignore' },
  );
  const server = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), ...settings.flatMap((s) => ['-c', s])],
    { ...as, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // SIGINT is PostgreSQL's fast shutdown: sessions ended, no wait for clients.
  const stop = (): Promise<void> => stopped(server, dir, 'SIGINT');
  // Ready when its log says so; its log is the error if it exits or takes 30 s instead.
  let log = '';
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 30_000);
    server.stderr.setEncoding('utf8').on('data', (text: string) => {
      log += text;
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    server.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    await stop();
    throw new Error(`PostgreSQL did not start:\n${log}`);
  }
  return { port, stop };
}
