// One side of a benchmark case, run in its own process by bench/run.ts: prints "PORT n" when it
// listens and "RESULT <json>" when it has measured. The cases live in bench/peers/.
import { bulkRecv, bulkSend } from './peers/bulk.js';
import { connClient, connServer } from './peers/connections.js';
import { fetchClient } from './peers/fetch.js';
import { httpServer } from './peers/http.js';
import { lineRecv, msgRecv, msgSend } from './peers/messages.js';
import { respClient } from './peers/resp.js';
import { respServer } from './peers/resp-server.js';
import { sendQueue } from './peers/send-queue.js';
import { udpBlast, udpRecv, udpSend, udpSink } from './peers/udp.js';
import { echo, ping } from './peers/pingpong.js';
import { smallRecv, smallSend } from './peers/small.js';
import {
  tlsBulkRecv,
  tlsBulkSend,
  tlsEcho,
  tlsHandshakeClient,
  tlsHandshakeServer,
  tlsPing,
} from './peers/tls.js';

const [role, ...args] = process.argv.slice(2);
const side = (s: string | undefined): 'accept' | 'connect' =>
  s === 'connect' ? 'connect' : 'accept';
const num = (i: number): number => Number(args[i] ?? 0);

switch (role) {
  case 'bulk-recv':
    await bulkRecv(args[0] as string, side(args[1]), num(2), num(3));
    break;
  case 'bulk-send':
    await bulkSend(args[0] as string, side(args[1]), num(2), num(3), num(4));
    break;
  case 'echo':
    await echo(args[0] as string);
    break;
  case 'ping':
    await ping(args[0] as string, num(1), num(2), num(3));
    break;
  case 'msg-recv':
    await msgRecv(args[0] as string);
    break;
  case 'fetch-client':
    await fetchClient(args[0] as string, num(1), num(2));
    break;
  case 'resp-client':
    await respClient(args[0] as string, num(1), num(2), num(3));
    break;
  case 'resp-server':
    await respServer(args[0] as string);
    break;
  case 'http-server':
    await httpServer(args[0] as string);
    break;
  case 'line-recv':
    await lineRecv(args[0] as string);
    break;
  case 'msg-send':
    await msgSend(num(0), num(1), num(2), args[3] ?? 'packed');
    break;
  case 'small-recv':
    await smallRecv();
    break;
  case 'small-send':
    await smallSend(args[0] as string, num(1), num(2), num(3));
    break;
  case 'conn-server':
    await connServer(args[0] as string, num(1));
    break;
  case 'conn-client':
    await connClient(num(0), num(1), num(2));
    break;
  case 'send-queue':
    await sendQueue(args[0] as string, num(1));
    break;
  case 'udp-recv':
    await udpRecv(args[0] as string, num(1));
    break;
  case 'udp-blast':
    await udpBlast(num(0), num(1), num(2), num(3));
    break;
  case 'udp-send':
    await udpSend(args[0] as string, num(1), num(2), num(3));
    break;
  case 'udp-sink':
    await udpSink();
    break;
  case 'tls-bulk-send':
    await tlsBulkSend(num(0), num(1));
    break;
  case 'tls-bulk-recv':
    await tlsBulkRecv(args[0] as string, num(1), num(2));
    break;
  case 'tls-echo':
    await tlsEcho(args[0] as string);
    break;
  case 'tls-ping':
    await tlsPing(args[0] as string, num(1), num(2), num(3));
    break;
  case 'tls-hs-server':
    await tlsHandshakeServer(args[0] as string, num(1));
    break;
  case 'tls-hs-client':
    await tlsHandshakeClient(args[0] as string, num(1), num(2), num(3));
    break;
  default:
    throw new Error(`unknown role ${String(role)}`);
}
