// Certificates for the TLS tests, made at test time by Debian's `openssl` (.ci/run installs it
// when missing): a CA, a server certificate it signed for localhost/127.0.0.1/::1, a client
// certificate it signed, a server certificate for another name, and a self-signed one. Made
// once per test process, in a directory removed at exit. ECDSA P-256 keys: quick to make.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certs {
  dir: string;
  /** The CA's certificate (PEM): trust it to verify `server` and `client`. */
  ca: string;
  server: { key: string; cert: string; keyFile: string; certFile: string };
  client: { key: string; cert: string; keyFile: string; certFile: string };
  /** Signed by the CA for `wrong.example` only. */
  wrongName: { key: string; cert: string };
  /** Self-signed for localhost. */
  selfSigned: { key: string; cert: string };
  caFile: string;
}

let made: Certs | undefined;

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function leaf(dir: string, name: string, subject: string, san: string | undefined): void {
  openssl(
    dir,
    'req',
    '-new',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  );
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    san === undefined
      ? 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n'
      : `basicConstraints=CA:FALSE\nsubjectAltName=${san}\n`,
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    `${name}.crt`,
  );
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed certificate `<name>.crt` and its key `<name>.key`. */
function selfSigned(dir: string, name: string, subject: string, san: string | undefined): void {
  const ext = san === undefined ? [] : ['-addext', `subjectAltName=${san}`];
  openssl(
    dir,
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    subject,
    ...ext,
  );
}

/** The test certificates (made on first use). */
export function certs(): Certs {
  if (made !== undefined) return made;
  const dir = mkdtempSync(join(tmpdir(), 'sockflow-certs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  selfSigned(dir, 'ca', '/CN=sockflow test CA', undefined);
  leaf(dir, 'server', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1,IP:::1');
  leaf(dir, 'client', '/CN=sockflow test client', undefined);
  leaf(dir, 'wrong', '/CN=wrong.example', 'DNS:wrong.example');
  selfSigned(dir, 'self', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  made = {
    dir,
    ca: read('ca.crt'),
    caFile: join(dir, 'ca.crt'),
    server: {
      key: read('server.key'),
      cert: read('server.crt'),
      keyFile: join(dir, 'server.key'),
      certFile: join(dir, 'server.crt'),
    },
    client: {
      key: read('client.key'),
      cert: read('client.crt'),
      keyFile: join(dir, 'client.key'),
      certFile: join(dir, 'client.crt'),
    },
    wrongName: { key: read('wrong.key'), cert: read('wrong.crt') },
    selfSigned: { key: read('self.key'), cert: read('self.crt') },
  };
  return made;
}
