// One test per capability of src/core/internal/node-net.ts: each private surface of node:net
// sockflow relies on is still there and behaves as sockflow assumes. When a Node release
// changes one, its test here fails by name, instead of sockflow quietly taking the public-API
// fallback (and, say, reporting an upper bound as SendAbortedError.bytesWritten).
// docs/node-notes.md says what each is for and where it was checked.
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SendAbortedError } from '../src/core/index.js';
import {
  adoptAcceptedHandle,
  clientSocketWithOnread,
  isTcp,
  kernelBytesWritten,
  kernelBytesWrittenIsExact,
  listenForEnd,
  plainSocketOf,
  readThroughOnread,
  resetTls,
  socketName,
  socketOfAcceptedHandle,
  supportsClientOnread,
  takeOverAccepts,
  tlsClientWithOnread,
  watchForTruncation,
  takeUdpMessages,
  watchUdpSends,
  type AcceptedHandle,
  type UdpSendWatch,
} from '../src/core/internal/node-net.js';
import * as tls from 'node:tls';
import { certs } from './tls-certs.js';
import { abortSendInFlight, LOOPBACK, pair, until } from './helpers.js';

const accepted = new WeakMap<net.Server, net.Socket[]>();

/** A node:net server that pauses what it accepts (nothing is read) and keeps it, to close. */
async function rawListener(path?: string): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const sockets: net.Socket[] = [];
  accepted.set(server, sockets);
  server.on('connection', (s: net.Socket) => sockets.push(s));
  if (path === undefined) server.listen(0, LOOPBACK);
  else server.listen(path);
  await once(server, 'listening');
  return server;
}

/** The server's side of the connection `client` makes. */
async function acceptedPeer(server: net.Server, client: net.Socket): Promise<net.Socket> {
  const sockets = accepted.get(server) as net.Socket[];
  const before = sockets.length;
  if (client.connecting) await once(client, 'connect');
  await until(() => sockets.length > before);
  return sockets[before] as net.Socket;
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

async function closeAll(...items: (net.Socket | net.Server)[]): Promise<void> {
  for (const x of items) {
    if (x instanceof net.Socket) x.destroy();
    else {
      for (const s of accepted.get(x) ?? []) s.destroy();
      await new Promise((r) => x.close(r));
    }
  }
}

describe(`node:net's private surfaces (${process.version})`, () => {
  it('onread: a client socket reads into the buffers its generator gives', async () => {
    expect(supportsClientOnread()).toBe(true);
    const server = await rawListener();
    const target = Buffer.alloc(64);
    const reads: [number, Buffer][] = [];
    const client = clientSocketWithOnread(
      () => target,
      (n, buf) => {
        reads.push([n, buf]);
        return true;
      },
    );
    expect(client).toBeDefined();
    const socket = client as net.Socket;
    socket.connect(portOf(server), LOOPBACK);
    const peer = await acceptedPeer(server, socket);
    peer.write('abc');
    await until(() => reads.length > 0);
    expect(reads[0]?.[0]).toBe(3);
    expect(reads[0]?.[1]).toBe(target);
    expect(target.subarray(0, 3).toString()).toBe('abc');
    await closeAll(socket, server);
  });

  for (const kind of ['TCP', 'Pipe'] as const) {
    it(`accepts: a ${kind} server's accepted handles are delivered to us and adopted with onread, the callback called as a method of the socket`, async () => {
      const path = kind === 'Pipe' ? join(tmpdir(), `sockflow-nn-${process.pid}.sock`) : undefined;
      const server = await rawListener(path);
      const handles: AcceptedHandle[] = [];
      expect(takeOverAccepts(server, (err, h) => err === 0 && h && handles.push(h))).toBe(true);
      const client = path === undefined ? net.connect(portOf(server), LOOPBACK) : net.connect(path);
      await until(() => handles.length === 1);
      const target = Buffer.alloc(64);
      let calledOn: unknown;
      let generated = 0;
      const socket = adoptAcceptedHandle(handles[0] as AcceptedHandle, {
        buffer: () => {
          generated++;
          return target;
        },
        callback(this: net.Socket, n: number) {
          // eslint-disable-next-line @typescript-eslint/no-this-alias -- `this` is what is tested
          calledOn = this;
          expect(target.subarray(0, n).toString()).toBe('hello');
          return true;
        },
      });
      const afterAdoption = generated;
      client.write('hello');
      await until(() => calledOn !== undefined);
      expect(calledOn).toBe(socket);
      // The generator is asked once when the handle is adopted and once after each read.
      expect(afterAdoption).toBe(1);
      await until(() => generated === 2);
      await closeAll(socket, client, server);
    });
  }

  it("end listener: on a half-open socket, ours takes the place of node:net's in the event table", async () => {
    const server = await rawListener();
    const client = new net.Socket({ allowHalfOpen: true });
    client.connect(portOf(server), LOOPBACK);
    const peer = await acceptedPeer(server, client);
    let ended = false;
    const listener = function (this: net.Socket): void {
      ended = this === client;
    };
    listenForEnd(client, listener);
    const table = (client as unknown as { _events: Record<string, unknown> })._events;
    expect(table.end).toBe(listener); // replaced, not an array of two
    client.resume();
    peer.end();
    await until(() => ended);
    await closeAll(client, server);
  });

  it('kernel bytes written: exact from the handle, less than was handed over while the kernel is full', async () => {
    const server = await rawListener(); // pauses its sockets: nothing is read
    const client = net.connect(portOf(server), LOOPBACK);
    await acceptedPeer(server, client);
    const size = 32 << 20; // more than loopback buffers hold
    client.write(Buffer.alloc(size));
    expect(kernelBytesWrittenIsExact(client)).toBe(true);
    const taken = kernelBytesWritten(client);
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(size);
    await closeAll(client, server);
  });

  it('kernel bytes written: a send aborted after hand-off reports what the OS took, not 0 and not all', async () => {
    await using p = await pair();
    const size = 32 << 20;
    const err = await abortSendInFlight(p.client, size);
    expect(err).toBeInstanceOf(SendAbortedError);
    expect(err.bytesWritten).toBeGreaterThan(0);
    // The public fallback could only say "every byte handed over": the whole send.
    expect(err.bytesWritten).toBeLessThan(size);
  });

  it('TCP or not: the handle says TCP for TCP sockets and not for Unix sockets', async () => {
    const tcp = await rawListener();
    const a = net.connect(portOf(tcp), LOOPBACK);
    await once(a, 'connect');
    expect(isTcp(a)).toBe(true);
    const path = join(tmpdir(), `sockflow-nn-tcp-${process.pid}.sock`);
    const unix = await rawListener(path);
    const b = net.connect(path);
    await once(b, 'connect');
    expect(isTcp(b)).toBe(false);
    await closeAll(a, b, tcp, unix);
  });

  describe('TLS', () => {
    const c = certs();
    async function tlsServer(onSecure: (s: tls.TLSSocket) => void = () => {}) {
      const server = tls.createServer({ key: c.server.key, cert: c.server.cert }, (s) => {
        s.on('error', () => {});
        onSecure(s);
      });
      server.listen(0, LOOPBACK);
      await once(server, 'listening');
      return server;
    }

    it('a TLS client reads decrypted bytes into the buffers its generator gives (onread)', async () => {
      const server = await tlsServer((s) => s.end('decrypted'));
      const target = Buffer.alloc(64);
      const reads: number[] = [];
      const { socket, onread } = tlsClientWithOnread(
        { port: (server.address() as net.AddressInfo).port, host: LOOPBACK, ca: c.ca },
        () => target,
        (n) => {
          reads.push(n);
          return true;
        },
      );
      expect(onread).toBe(true);
      socket.on('error', () => {});
      await until(() => reads.length > 0);
      expect(target.subarray(0, reads[0]).toString()).toBe('decrypted');
      socket.destroy();
      server.close();
    });

    it("a server-side TLS socket switched in 'secureConnection' reads through onread, the bytes sent with the client's Finished too", async () => {
      const target = Buffer.alloc(64);
      const got: string[] = [];
      let switched: boolean | undefined;
      const server = await tlsServer((s) => {
        switched = readThroughOnread(s, {
          buffer: () => target,
          callback: (n) => {
            got.push(target.toString('latin1', 0, n));
            return true;
          },
        });
        s.resume();
      });
      const client = tls.connect({
        port: (server.address() as net.AddressInfo).port,
        host: LOOPBACK,
        ca: c.ca,
      });
      client.on('error', () => {});
      client.write('sent before the handshake ends'); // goes out with the client's Finished
      await until(() => got.join('') === 'sent before the handshake ends');
      expect(switched).toBe(true);
      client.write('and after');
      await until(() => got.join('').endsWith('and after'));
      client.destroy();
      server.close();
    });

    it('the TCP handle under TLS is reset (RST) and reported as TCP; a server socket names its plain socket', async () => {
      let serverSide: tls.TLSSocket | undefined;
      const peerError = new Promise<unknown>((resolve) => {
        void tlsServer((s) => {
          serverSide = s;
          s.on('error', resolve);
          s.resume();
        }).then((server) => {
          const client = tls.connect({
            port: (server.address() as net.AddressInfo).port,
            host: LOOPBACK,
            ca: c.ca,
          });
          client.on('secureConnect', () => {
            expect(isTcp(client)).toBe(true);
            void until(() => serverSide !== undefined).then(() => {
              expect(plainSocketOf(serverSide as tls.TLSSocket)).toBeInstanceOf(net.Socket);
              expect(resetTls(client)).toBe(true);
              server.close();
            });
          });
        });
      });
      expect((await peerError) as { code?: unknown }).toMatchObject({ code: 'ECONNRESET' });
    });

    it('truncation: the TLS handle takes a wrapped onread, and its TCP handle says it is reading (node-notes §22)', async () => {
      const server = await tlsServer((s) => {
        setTimeout(() => s.end('x'), 20); // close_notify, then FIN
      });
      const client = tls.connect({
        port: (server.address() as net.AddressInfo).port,
        host: LOOPBACK,
        ca: c.ca,
      });
      client.on('error', () => {});
      await once(client, 'secureConnect');
      let truncated = false;
      expect(watchForTruncation(client, () => (truncated = true))).toBe(true);
      client.resume();
      await once(client, 'end');
      expect(truncated).toBe(false);
      client.destroy();
      server.close();
    });

    it('an accepted handle wrapped for TLS is not half-open (node-notes §20)', async () => {
      const server = net.createServer();
      let handle: AcceptedHandle | undefined;
      server.listen(0, LOOPBACK);
      await once(server, 'listening');
      expect(takeOverAccepts(server, (_e, h) => (handle = h))).toBe(true);
      const client = net.connect((server.address() as net.AddressInfo).port, LOOPBACK);
      await until(() => handle !== undefined);
      const socket = socketOfAcceptedHandle(handle as AcceptedHandle);
      expect(socket.allowHalfOpen).toBe(false);
      await closeAll(socket, client, server);
    });
  });

  it('UDP sends: the handle says at once that the OS took a datagram (size + 1) or refused it (errno)', async () => {
    const a = dgram.createSocket('udp4');
    const b = dgram.createSocket('udp4');
    a.bind(0, LOOPBACK);
    b.bind(0, LOOPBACK);
    await Promise.all([once(a, 'listening'), once(b, 'listening')]);
    try {
      const watch = watchUdpSends(a);
      expect(watch).toBeDefined();
      const w = watch as UdpSendWatch;
      const port = b.address().port;
      const sent = new Promise((r) => a.send('hello', port, LOOPBACK, r));
      await until(() => w.last !== undefined); // node:dgram looks the address up first
      expect(w.last).toBe(6);
      await sent;
      w.last = undefined;
      const refused = new Promise((r) => a.send(Buffer.alloc(70_000), port, LOOPBACK, r));
      await until(() => w.last !== undefined);
      expect(w.last).toBe(-constants.errno.EMSGSIZE);
      expect(await refused).toMatchObject({ code: 'EMSGSIZE' });
    } finally {
      a.close();
      b.close();
    }
  });

  it("UDP datagrams: the handle's onmessage hands each datagram and its sender to us, and an ICMP refusal as an errno", async () => {
    const a = dgram.createSocket('udp4');
    const b = dgram.createSocket('udp4');
    const dead = dgram.createSocket('udp4');
    for (const s of [a, b, dead]) s.bind(0, LOOPBACK);
    await Promise.all([once(a, 'listening'), once(b, 'listening'), once(dead, 'listening')]);
    const deadPort = dead.address().port;
    dead.close();
    try {
      const got: string[] = [];
      const errors: number[] = [];
      const taken = takeUdpMessages(
        a,
        (data, from) => got.push(`${data.toString()} ${from.address}:${from.port} ${from.family}`),
        (errno) => errors.push(errno),
      );
      expect(taken).toBe(true);
      let emitted = 0;
      a.on('message', () => emitted++);
      b.send('hello', a.address().port, LOOPBACK);
      await until(() => got.length === 1);
      expect(got).toEqual([`hello ${LOOPBACK}:${b.address().port} IPv4`]);
      a.connect(deadPort, LOOPBACK);
      await once(a, 'connect');
      a.send('anyone?');
      await until(() => errors.length === 1);
      expect(errors).toEqual([-constants.errno.ECONNREFUSED]);
      expect(emitted).toBe(0); // node:dgram's handler no longer runs
    } finally {
      a.close();
      b.close();
    }
  });

  it("socket names: read from the handle, equal to node:net's public getters", async () => {
    const server = await rawListener();
    const client = net.connect(portOf(server), LOOPBACK);
    await once(client, 'connect');
    const peer = { ...socketName(client, 'peer') };
    const own = { ...socketName(client, 'own') };
    expect(peer).toEqual({
      address: client.remoteAddress,
      port: client.remotePort,
      family: 'IPv4',
    });
    expect(own).toEqual({ address: client.localAddress, port: client.localPort, family: 'IPv4' });
    // From the handle, not the getters: the result is node-net's reused object.
    expect(socketName(client, 'peer')).toBe(socketName(client, 'own'));
    await closeAll(client, server);
  });
});
