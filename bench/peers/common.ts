// What every peer process shares: the result line, timing, and how a side gets its connection.
import * as net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, listen, type Connection } from 'sockflow';
import type { PromiseSocket } from 'promise-socket';

/** One side's measurement, printed as `RESULT <json>` for bench/run.ts. */
export interface Result {
  /** Bytes moved while measuring. */
  bytes: number;
  /** Bulk cases: every byte moved, the unmeasured warm-up included (checked by bench/run.ts). */
  totalBytes?: number;
  seconds: number;
  userSeconds: number;
  systemSeconds: number;
  /** Peak resident set size of this process, in bytes. */
  maxRss: number;
  /** CPU time of the main (JavaScript) thread alone, user and system, exact; NaN off Linux. */
  mainThreadSeconds: number;
  roundTrips?: number;
  messages?: number;
  /** The 10,000-connections case: seconds until all connected, then until all echoed. */
  connectSeconds?: number;
  echoSeconds?: number;
  /** The 10,000-connections case, server side: heap and RSS per idle connection, in bytes. */
  heapPerConnection?: number;
  rssPerConnection?: number;
  /** The send-queue case: heap bytes per waiting send (payload shared). */
  heapPerSend?: number;
  /** The RESP case: GETs/s of the first, unmeasured round (the JIT still compiling). */
  coldRate?: number;
}

export function now(): number {
  return performance.now() / 1000;
}

/**
 * Seconds the main thread has run, from the scheduler's own clock (`/proc/.../schedstat`, in
 * nanoseconds). `process.cpuUsage()` covers every thread (the JIT compiler's and GC helpers'
 * too), and where the kernel samples user against system time at each tick (250 Hz where this
 * suite was built) its split of a half-second run is good to about ±20%; this figure is exact,
 * but not split.
 */
export function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
    return Number(stat.split(' ')[0]) / 1e9;
  } catch {
    return Number.NaN;
  }
}

/** Starts measuring: call `done(...)` with the counts to print the result line. */
export function measure(): (fields: Partial<Result> & { bytes: number }) => void {
  const start = now();
  const cpu = process.cpuUsage();
  const main = mainThreadCpu();
  return (fields) => {
    const seconds = now() - start;
    const used = process.cpuUsage(cpu);
    const result: Result = {
      seconds,
      userSeconds: used.user / 1e6,
      systemSeconds: used.system / 1e6,
      maxRss: process.resourceUsage().maxRSS * 1024,
      mainThreadSeconds: mainThreadCpu() - main,
      ...fields,
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  };
}

/**
 * A bulk receiver's measurement, which starts with the first read after `warm` bytes (with no
 * warm-up, with the first read; its wait for the first byte is not counted): the warm-up runs
 * the very loop that is then measured, so its JIT compilation (tens of milliseconds, a large
 * share of a 1 GiB run's user CPU) is not counted as per-byte cost. Every receiver counts its
 * bytes through `add()`, raw Node's included.
 */
export class Meter {
  bytes = 0;
  #from = 0;
  #done: ReturnType<typeof measure> | undefined;
  readonly #warm: number;

  constructor(warm: number) {
    this.#warm = warm;
  }

  add(n: number): void {
    if (this.#done === undefined && this.bytes >= this.#warm) {
      this.#from = this.bytes;
      this.#done = measure();
    }
    this.bytes += n;
  }

  /** Prints the result: the bytes from the first read after the warm-up, over its time. */
  finish(): void {
    const done = this.#done ?? measure();
    done({ bytes: this.bytes - this.#from, totalBytes: this.bytes });
  }
}

export function printPort(port: number): void {
  process.stdout.write(`PORT ${port}\n`);
}

/** A raw node:net server on loopback, port printed. */
export async function rawListen(options: net.ServerOpts = {}): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true, ...options });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  printPort((server.address() as net.AddressInfo).port);
  return server;
}

/** A raw socket: accepted from a fresh listener (port printed), or connected to `port`. */
export async function rawSocket(
  side: 'accept' | 'connect',
  port: number,
  options: net.NetConnectOpts | object = {},
): Promise<{ socket: net.Socket; close: () => void }> {
  if (side === 'connect') {
    const socket = net.connect({
      port,
      host: '127.0.0.1',
      noDelay: true,
      allowHalfOpen: true,
      ...options,
    });
    await once(socket, 'connect');
    return { socket, close: () => undefined };
  }
  const server = await rawListen(options);
  const [socket] = (await once(server, 'connection')) as [net.Socket];
  return { socket, close: () => server.close() };
}

/** A sockflow connection: accepted from a fresh listener (port printed), or connected to `port`. */
export async function sockflowConnection(
  side: 'accept' | 'connect',
  port: number,
): Promise<{ conn: Connection; close: () => Promise<void> }> {
  if (side === 'connect') {
    const conn = await connect({ host: '127.0.0.1', port });
    return { conn, close: () => Promise.resolve() };
  }
  const listener = await listen({ host: '127.0.0.1', port: 0 });
  printPort((listener.address as { port: number }).port);
  const conn = await listener.accept();
  return { conn, close: () => listener.close() };
}

/**
 * promise-socket around `socket`, one of the rows the bench compares against. It is a
 * development dependency: an installed sockflow runs `sockflow bench` without it (run.ts
 * leaves its rows out), so it is loaded only when a case asks for it.
 */
export async function promiseSocket(socket: net.Socket): Promise<PromiseSocket<net.Socket>> {
  const { PromiseSocket: Ctor } = await import('promise-socket');
  return new Ctor(socket);
}

/** Whether promise-socket can be loaded here. */
export function hasPromiseSocket(): Promise<boolean> {
  return import('promise-socket').then(
    () => true,
    () => false,
  );
}
