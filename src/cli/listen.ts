// `sockflow listen`: accepts connections and prints what they send, or echoes it.
import { listen, type Connection, type IpcAddress, type TcpAddress } from '../core/index.js';
import { receiveAll, type Stdio } from './io.js';
import { file, noMore, parse, port } from './options.js';
import { udpListen } from './udp.js';
import { HELP, UsageError } from './usage.js';

const OPTIONS = {
  host: { type: 'string' },
  unix: { type: 'string' },
  echo: { type: 'boolean' },
  'keep-open': { type: 'boolean' },
  tls: { type: 'boolean' },
  cert: { type: 'string' },
  key: { type: 'string' },
  udp: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `sockflow listen`; resolves with the exit code. `ready` is told the address once
 * listening (tests use it to learn a port-0 listener's port); `signal` stops a --keep-open
 * server.
 */
export async function listenCommand(
  args: readonly string[],
  io: Stdio,
  hooks: { ready?: (address: TcpAddress | IpcAddress) => void; signal?: AbortSignal } = {},
): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help === true) {
    io.stdout.write(`${HELP.listen}\n`);
    return 0;
  }
  let on: TcpAddress | IpcAddress;
  if (values.unix !== undefined) {
    if (values.host !== undefined) throw new UsageError('--host and --unix exclude each other');
    noMore(positionals, 0);
    on = { path: values.unix as string };
  } else {
    on = { host: (values.host as string | undefined) ?? '127.0.0.1', port: port(positionals[0]) };
    noMore(positionals, 1);
  }
  if (values.udp === true) {
    if ('path' in on) throw new UsageError('--udp and --unix exclude each other');
    if (values.tls === true) throw new UsageError('--udp and --tls exclude each other');
    const options = { echo: values.echo === true, keepOpen: values['keep-open'] === true };
    return udpListen(on, options, io, hooks);
  }
  if (values.tls === true && (values.cert === undefined || values.key === undefined)) {
    throw new UsageError('--tls needs --cert and --key');
  }
  const cert = file(values.cert, 'the --cert file');
  const key = file(values.key, 'the --key file');
  await using listener = await listen(
    on,
    values.tls === true && cert !== undefined && key !== undefined ? { tls: { cert, key } } : {},
  );
  const a = listener.address;
  hooks.ready?.('path' in a ? { path: a.path } : { host: a.address, port: a.port });
  const serve = async (conn: Connection): Promise<void> => {
    try {
      if (values.echo === true) {
        for await (const chunk of conn) await conn.send(chunk);
        await conn.shutdown('send');
      } else {
        await receiveAll(conn, io.stdout);
      }
    } finally {
      await conn.close();
    }
  };
  const signal = hooks.signal;
  do {
    let conn: Connection;
    try {
      conn = await listener.accept(signal === undefined ? undefined : { signal });
    } catch (err) {
      if (signal?.aborted === true) return 0;
      throw err;
    }
    await serve(conn);
  } while (values['keep-open'] === true);
  return 0;
}
