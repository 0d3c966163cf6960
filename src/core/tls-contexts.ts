// Client secure contexts, shared by every connection that asks for the same one.
//
// `tls.connect()` builds a fresh OpenSSL context (SSL_CTX) for each connection unless it is
// given one: it parses every PEM of `ca`, `cert` and `key` again and sets up a new certificate
// store: about a sixth of a client's CPU per connection in the tls-handshakes bench. What
// differs between connections (server name, ALPN, verification mode, a session to resume) is
// set on each connection, not on the context, and OpenSSL never resumes a client session by
// itself, so connections with the same credentials can share one context, as a node:tls server
// shares its own among the connections it accepts, and as .NET's SslStream shares them on
// Linux. sockflow keeps the last CLIENT_CONTEXTS_LIMIT contexts it built, keyed by a SHA-256
// digest of exactly what goes into them; the key material itself is not kept in JavaScript.
import { createHash, type Hash } from 'node:crypto';
import * as tls from 'node:tls';

/**
 * How many client secure contexts sockflow keeps at most (least recently used goes first).
 * Each holds its parsed certificates and key in native memory, measured on Node 20: about
 * 30 KiB with one CA certificate, about 1 MiB with a whole root bundle as `ca` (144
 * certificates), so at most 16 MiB even then. Applications rarely use more than a few.
 */
export const CLIENT_CONTEXTS_LIMIT = 16;

/** What a client context is made of: the credentials and the protocol range. */
export interface ContextMaterial {
  ca?: string | Buffer | (string | Buffer)[] | undefined;
  cert?: string | Buffer | (string | Buffer)[] | undefined;
  key?: string | Buffer | (string | Buffer)[] | undefined;
  minVersion?: tls.SecureVersion | undefined;
  maxVersion?: tls.SecureVersion | undefined;
}

const contexts = new Map<string, tls.SecureContext>();

function addPart(hash: Hash, part: string | Buffer): void {
  // The type and length go in first, so no two different inputs digest the same bytes.
  if (typeof part === 'string') {
    const bytes = Buffer.from(part, 'utf8');
    hash.update(`s${bytes.length}:`);
    hash.update(bytes);
  } else {
    hash.update(`b${part.length}:`);
    hash.update(part);
  }
}

function addField(hash: Hash, name: string, value: ContextMaterial['ca']): void {
  if (value === undefined) {
    hash.update(`${name}-;`);
    return;
  }
  const parts = Array.isArray(value) ? value : [value];
  hash.update(`${name}${parts.length};`);
  for (const p of parts) addPart(hash, p);
}

function keyOf(m: ContextMaterial): string {
  const hash = createHash('sha256');
  addField(hash, 'ca', m.ca);
  addField(hash, 'cert', m.cert);
  addField(hash, 'key', m.key);
  hash.update(`min${m.minVersion ?? '-'};max${m.maxVersion ?? '-'}`);
  return hash.digest('base64');
}

/**
 * The client secure context for `material`: a cached one made of the same bytes, or a new one
 * (then cached). Throws what `tls.createSecureContext()` throws for bad keys or certificates;
 * nothing is cached then.
 */
export function clientContext(material: ContextMaterial): tls.SecureContext {
  const key = keyOf(material);
  const hit = contexts.get(key);
  if (hit !== undefined) {
    // Most recently used goes last: Map keeps insertion order.
    contexts.delete(key);
    contexts.set(key, hit);
    return hit;
  }
  const made = tls.createSecureContext(material);
  if (contexts.size >= CLIENT_CONTEXTS_LIMIT) {
    const oldest = contexts.keys().next().value as string;
    contexts.delete(oldest);
  }
  contexts.set(key, made);
  return made;
}

/** How many client contexts are cached now (for tests). */
export function cachedClientContexts(): number {
  return contexts.size;
}
