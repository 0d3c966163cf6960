// A self-signed ECDSA certificate for 127.0.0.1, made with openssl: for the TLS benchmark
// peers and for test/runtimes/smoke.js (which imports the built copy, so this module imports
// nothing but node: builtins that Bun and Deno also have).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Makes a new directory under the system's temporary one holding `key.pem` and `cert.pem`
 * (P-256, `CN=127.0.0.1` with that IP as its subject alternative name, valid two days) and
 * returns its path. The caller removes it.
 */
export function selfSignedDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  if (r.status !== 0) throw new Error('openssl could not make a self-signed certificate');
  return dir;
}
