// `sockflow connect`: standard input to a connection, the connection to standard output.
import { connect, type Connection, type TcpAddress, type IpcAddress } from '../core/index.js';
import { receiveAll, sendAll, type Stdio } from './io.js';
import { file, millis, noMore, parse, port } from './options.js';
import { DEFAULT_UDP_LINGER, udpConnect } from './udp.js';
import { HELP, UsageError } from './usage.js';

const OPTIONS = {
  unix: { type: 'string' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  timeout: { type: 'string' },
  udp: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `sockflow connect`; resolves with the exit code. */
export async function connectCommand(args: readonly string[], io: Stdio): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help === true) {
    io.stdout.write(`${HELP.connect}\n`);
    return 0;
  }
  let to: TcpAddress | IpcAddress;
  if (values.unix !== undefined) {
    noMore(positionals, 0);
    to = { path: values.unix as string };
  } else {
    const host = positionals[0];
    if (host === undefined) throw new UsageError('missing host');
    to = { host, port: port(positionals[1]) };
    noMore(positionals, 2);
  }
  if (values.tls !== true && (values.ca !== undefined || values.insecure !== undefined)) {
    throw new UsageError('--ca and --insecure go with --tls');
  }
  const timeout = millis(values.timeout, '--timeout');
  if (values.udp === true) {
    if ('path' in to) throw new UsageError('--udp and --unix exclude each other');
    if (values.tls === true) throw new UsageError('--udp and --tls exclude each other');
    return udpConnect(to, timeout ?? DEFAULT_UDP_LINGER, io);
  }
  const ca = file(values.ca, 'the --ca file');
  const conn: Connection = await connect(to, {
    ...(timeout === undefined ? {} : { signal: AbortSignal.timeout(timeout) }),
    ...(values.tls === true
      ? {
          tls: {
            ...(ca === undefined ? {} : { ca }),
            ...(values.insecure === true ? { rejectUnauthorized: false } : {}),
          },
        }
      : {}),
  });
  try {
    const sending = sendAll(io.stdin, conn);
    // The peer's end decides: once it has ended, what is left of standard input is not read.
    await receiveAll(conn, io.stdout);
    sending.catch(() => {}); // a send cut short by the peer's end is no error of ours
    return 0;
  } finally {
    await conn.close();
  }
}
