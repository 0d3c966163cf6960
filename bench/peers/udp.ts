// Datagrams: a receiver under test fed by a raw dgram sender, and a sender under test feeding
// a raw dgram receiver. UDP has no flow control, so each side runs in its own process on its
// own core and what arrives is counted, not assumed.
//
//   udp-recv <impl> <warm>                  binds (port printed), counts datagrams: the
//                                           first `warm` unmeasured, then until the END
//                                           datagram; prints datagrams, time, CPU
//   udp-blast <port> <n> <size> <warm>      raw sender: `warm`, then n datagrams of `size`,
//                                           at most 64 in flight, then END a few times
//   udp-send <impl> <port> <n> <size>       the sender under test, at most 64 in flight
//                                           (sockflow: also `send` awaited one at a time)
//   udp-sink                                raw receiver (port printed): counts until END
//
// Receiver implementations: raw ('message' handler), receive (receive(into) loop), iter
// (for await), compat (receiveFromAsync with one reused SocketAsyncEventArgs, looping on
// synchronous completions as ported .NET code does). Sender implementations: raw (send with a
// callback), send (await each), send64 (64 promises in flight), compat (sendToAsync, the
// same way).
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { bind } from 'sockflow';
import {
  AddressFamily,
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketType,
} from 'sockflow/compat';
import { measure, printPort } from './common.js';

const END = Buffer.from('END');
const isEnd = (b: Uint8Array, n = b.length): boolean =>
  n === 3 && b[0] === 0x45 && b[1] === 0x4e && b[2] === 0x44;

/** Counts datagrams: the first `warm` received start the clock, END stops it. */
class Counter {
  datagrams = 0;
  #warmLeft: number;
  #done: ReturnType<typeof measure> | undefined;
  #finish: () => void = () => {};
  readonly finished = new Promise<void>((r) => (this.#finish = r));

  constructor(warm: number) {
    this.#warmLeft = warm;
  }

  /** Counts one datagram; false once it was END. */
  add(end: boolean): boolean {
    if (end) {
      (this.#done ?? measure())({ bytes: 0, messages: this.datagrams });
      this.#finish();
      return false;
    }
    if (this.#done !== undefined) this.datagrams++;
    else if (--this.#warmLeft <= 0) this.#done = measure();
    return true;
  }
}

export async function udpRecv(impl: string, warm: number): Promise<void> {
  const counter = new Counter(warm);
  if (impl === 'raw') {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
    printPort(s.address().port);
    s.on('message', (m: Buffer) => counter.add(isEnd(m)));
    await counter.finished;
    s.close();
    return;
  }
  if (impl === 'compat') {
    const s = compatUdp();
    printPort((s.localEndPoint as IPEndPoint).port);
    const buf = new Uint8Array(2048);
    const e = new SocketAsyncEventArgs();
    e.setBuffer(buf, 0, buf.length);
    e.remoteEndPoint = new IPEndPoint(IPAddress.Any, 0);
    await new Promise<void>((resolve) => {
      const run = (): void => {
        do {
          if (!counter.add(isEnd(buf, e.bytesTransferred))) return resolve();
        } while (!s.receiveFromAsync(e));
      };
      e.on('completed', run);
      if (!s.receiveFromAsync(e)) run();
    });
    s.close();
    return;
  }
  const s = await bind({ host: '127.0.0.1', port: 0 }, { receiveQueueSize: 4096 });
  printPort(s.address.port);
  if (impl === 'receive') {
    const buf = new Uint8Array(2048);
    for (;;) {
      const { bytes } = await s.receive(buf);
      if (!counter.add(isEnd(buf, bytes))) break;
    }
  } else {
    for await (const { data } of s) if (!counter.add(isEnd(data))) break;
  }
  await s.close();
}

/** A compat UDP socket bound to a loopback port of its own. */
function compatUdp(): Socket {
  const s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
  s.bind(new IPEndPoint(IPAddress.Loopback, 0));
  return s;
}

/** Sends `warm` then `n` datagrams of `size` with at most 64 in flight, then END. */
export async function udpBlast(port: number, n: number, size: number, warm: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const m = Buffer.alloc(size, 1);
  await windowed(warm + n, (done) => s.send(m, port, '127.0.0.1', done));
  for (let i = 0; i < 20; i++) {
    s.send(END, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 20));
  }
  s.close();
  process.stdout.write('RESULT {}\n');
}

/** Runs `total` callback-style sends keeping at most 64 in flight. */
function windowed(total: number, send: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    let started = 0;
    let finished = 0;
    const done = (): void => {
      finished++;
      if (finished === total) resolve();
      else if (started < total) {
        started++;
        send(done);
      }
    };
    for (; started < Math.min(64, total);) {
      started++;
      send(done);
    }
  });
}

export async function udpSend(impl: string, port: number, n: number, size: number): Promise<void> {
  const m = Buffer.alloc(size, 2);
  const to = { host: '127.0.0.1', port };
  let done: ReturnType<typeof measure>;
  if (impl === 'raw') {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
    done = measure();
    await windowed(n, (cb) => s.send(m, port, '127.0.0.1', cb));
    done({ bytes: n * size, messages: n });
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((r) => s.send(END, port, '127.0.0.1', () => r()));
    }
    s.close();
    return;
  }
  if (impl === 'compat') {
    const s = compatUdp();
    const e = new SocketAsyncEventArgs();
    e.setBuffer(m, 0, m.length);
    e.remoteEndPoint = new IPEndPoint(IPAddress.Loopback, port);
    done = measure();
    await new Promise<void>((resolve) => {
      let started = 0;
      const run = (): void => {
        while (started < n) {
          started++;
          if (s.sendToAsync(e)) return; // the socket buffer was full: 'completed' runs on
        }
        resolve();
      };
      e.on('completed', run);
      run();
    });
    done({ bytes: n * size, messages: n });
    e.removeAllListeners('completed');
    e.setBuffer(END, 0, END.length);
    for (let i = 0; i < 20; i++) {
      if (s.sendToAsync(e)) await new Promise((r) => e.once('completed', r));
    }
    s.close();
    return;
  }
  const s = await bind({ host: '127.0.0.1', port: 0 });
  done = measure();
  if (impl === 'send') {
    for (let i = 0; i < n; i++) await s.send(m, to);
  } else {
    await new Promise<void>((resolve, reject) => {
      let started = 0;
      let finished = 0;
      const next = (): void => {
        finished++;
        if (finished === n) resolve();
        else if (started < n) start();
      };
      const start = (): void => {
        started++;
        s.send(m, to).then(next, reject);
      };
      while (started < Math.min(64, n)) start();
    });
  }
  done({ bytes: n * size, messages: n });
  for (let i = 0; i < 20; i++) await s.send(END, to);
  await s.close();
}

/** A raw receiver for the send case: counts until END (what arrived, for the record). */
export async function udpSink(): Promise<void> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  printPort(s.address().port);
  let got = 0;
  await new Promise<void>((resolve) => {
    // END, or (if every END was lost) two seconds of silence once datagrams came.
    let quiet: NodeJS.Timeout | undefined;
    s.on('message', (m: Buffer) => {
      if (isEnd(m)) resolve();
      else got++;
      quiet?.refresh();
      quiet ??= setTimeout(resolve, 2_000);
    });
  });
  s.close();
  process.stdout.write(`RESULT ${JSON.stringify({ received: got })}\n`);
}
