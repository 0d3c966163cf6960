// `--udp` for `sockflow connect` and `sockflow listen`: datagrams instead of a byte stream.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { bind, type DatagramSocket, type TcpAddress } from '../core/index.js';
import type { Stdio } from './io.js';

/** The largest IPv4 UDP payload: longer input is cut into datagrams of this size. */
const MAX_DATAGRAM = 65_507;

/** What `connect --udp` waits for replies once its input ended, by default (ms). */
export const DEFAULT_UDP_LINGER = 1_000;

/**
 * `connect --udp`: each chunk of standard input (cut at 65,507 bytes) goes to the peer as a
 * datagram, the peer's datagrams go to standard output; once the input ended it waits
 * `linger` ms without a datagram, then ends.
 */
export async function udpConnect(to: TcpAddress, linger: number, io: Stdio): Promise<number> {
  const host = to.host ?? '127.0.0.1';
  const address = isIP(host) === 0 ? (await lookup(host)).address : host;
  await using udp = await bind({ host: isIP(address) === 6 ? '::' : '0.0.0.0', port: 0 });
  await udp.connect({ host: address, port: to.port });
  let last = Date.now();
  const printing = (async () => {
    for await (const { data } of udp) {
      last = Date.now();
      io.stdout.write(data);
    }
  })();
  await sendChunks(io.stdin, udp, () => (last = Date.now()));
  while (Date.now() - last < linger) {
    await new Promise((r) => setTimeout(r, Math.max(1, linger - (Date.now() - last))));
  }
  await udp.close();
  await printing;
  return 0;
}

async function sendChunks(input: Readable, udp: DatagramSocket, sent: () => void): Promise<void> {
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    for (let at = 0; at < bytes.length; at += MAX_DATAGRAM) {
      await udp.send(bytes.subarray(at, at + MAX_DATAGRAM));
      sent();
    }
  }
}

/**
 * `listen --udp`: prints each datagram (or with `echo` sends it back to its sender) until
 * `signal`. Without `keepOpen` it serves the first sender only, connecting to it as nc -u -l
 * does; with it, every sender.
 */
export async function udpListen(
  on: TcpAddress,
  options: { echo: boolean; keepOpen: boolean },
  io: Stdio,
  hooks: { ready?: (address: TcpAddress) => void; signal?: AbortSignal },
): Promise<number> {
  await using udp = await bind(on);
  hooks.ready?.({ host: udp.address.address, port: udp.address.port });
  try {
    const signal = hooks.signal;
    for await (const { data, from } of udp.datagrams(signal === undefined ? {} : { signal })) {
      if (!options.keepOpen && udp.remoteAddress === undefined) {
        await udp.connect({ host: from.address, port: from.port });
      }
      if (!options.echo) io.stdout.write(data);
      else if (udp.remoteAddress !== undefined) await udp.send(data);
      else await udp.send(data, { host: from.address, port: from.port });
    }
  } catch (err) {
    if (hooks.signal?.aborted !== true) throw err;
  }
  return 0;
}
