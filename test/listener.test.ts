// Invariant 10: accept() is cancel safe; close() stops listening, closes unaccepted
// connections, rejects pending accepts and ends loops; accepted connections live on.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync } from 'node:fs';
import * as net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { connect, listen, SocketClosedError, type Connection } from '../src/core/index.js';
import { LOOPBACK, portOf, readAllRaw, turns, until, untilStalled } from './helpers.js';

function rawConnect(port: number): Promise<net.Socket> {
  const s = net.connect({ port, host: LOOPBACK, allowHalfOpen: true });
  return once(s, 'connect').then(() => s);
}

async function readExactlyRaw(conn: Connection, n: number): Promise<Buffer> {
  const out = Buffer.alloc(n);
  for (let got = 0; got < n;) {
    const k = await conn.receive(out.subarray(got));
    if (k === 0) throw new Error('EOF before the id');
    got += k;
  }
  return out;
}

describe('invariant 10: listener', () => {
  it('an aborted accept takes nothing: the connection goes to the next accept', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 });
    const ac = new AbortController();
    const first = l.accept({ signal: ac.signal });
    const reason = new Error('not now');
    ac.abort(reason);
    await expect(first).rejects.toBe(reason);
    const raw = await rawConnect(portOf(l));
    raw.write('hi');
    const conn = await l.accept();
    expect(Buffer.from((await conn.read()) as Uint8Array).toString()).toBe('hi');
    raw.destroy();
    await conn.reset();
  });

  it('accept() resolves at once with a connection that is already waiting', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 });
    const raw = await rawConnect(portOf(l));
    await until(() => l.pendingConnections === 1);
    const conn = await l.accept();
    expect(conn.remoteAddress).toMatchObject({
      address: '127.0.0.1',
      port: raw.localPort,
      family: 'IPv4',
    });
    expect(conn.localAddress).toMatchObject({ port: portOf(l) });
    raw.destroy();
    await conn.reset();
  });

  it('close() rejects pending accepts, ends for await; accepted connections live on', async () => {
    const l = await listen({ host: LOOPBACK, port: 0 });
    const port = portOf(l);
    const taken: Connection[] = [];
    const loop = (async () => {
      for await (const c of l) taken.push(c);
      return 'ended';
    })();
    const first = await rawConnect(port);
    await until(() => taken.length === 1);
    // Two accepts pending now: the loop's (older) and this one. Accepts are served in order.
    const waiting = l.accept().catch((e: unknown) => e);
    const second = await rawConnect(port);
    await until(() => taken.length === 2);
    await l.close();
    const err = await waiting;
    expect(err).toBeInstanceOf(SocketClosedError);
    expect((err as SocketClosedError).code).toBe('ERR_SOCKET_CLOSED');
    expect(await loop).toBe('ended');
    // Nobody listens any more.
    await expect(rawConnect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // The accepted connections live on.
    for (const [i, raw] of [first, second].entries()) {
      const c = taken[i] as Connection;
      await c.send(`still here ${i}`);
      await c.shutdown();
      expect((await readAllRaw(raw.end())).toString()).toBe(`still here ${i}`);
      await c.close();
    }
    await expect(l.accept()).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await l.close(); // idempotent
  });

  it('close() rejects a pending accept with ERR_SOCKET_CLOSED and closes a waiting connection', async () => {
    const l = await listen({ host: LOOPBACK, port: 0 });
    const pending = l.accept().catch((e: unknown) => e);
    await l.close();
    expect(await pending).toBeInstanceOf(SocketClosedError);
    const l2 = await listen({ host: LOOPBACK, port: 0 });
    const raw = await rawConnect(portOf(l2));
    await until(() => l2.pendingConnections === 1);
    await l2.close();
    const rest = await readAllRaw(raw).catch((e: unknown) => e);
    expect(Buffer.isBuffer(rest) ? rest.length : (rest as { code?: string }).code).toSatisfy(
      (v: unknown) => v === 0 || v === 'ECONNRESET',
    );
    raw.destroy();
  });

  it('holds at most maxPendingAccepts unaccepted connections and closes the rest', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 }, { maxPendingAccepts: 2 });
    const port = portOf(l);
    const raws = await Promise.all(Array.from({ length: 5 }, () => rawConnect(port)));
    await until(() => l.droppedConnections === 3);
    expect(l.pendingConnections).toBe(2);
    const a = await l.accept();
    const b = await l.accept();
    expect(l.pendingConnections).toBe(0);
    expect(l.tryAccept()).toBeUndefined(); // the three beyond the bound were closed
    for (const r of raws) r.destroy();
    await a.reset();
    await b.reset();
  });

  it('a burst of connects while a for await waits: every one accepted and served, none dropped', async () => {
    // More connects at once than maxPendingAccepts: connections somebody waits for are queued
    // as they are accepted and built when the burst pauses, never dropped.
    await using l = await listen({ host: LOOPBACK, port: 0 }, { maxPendingAccepts: 16 });
    const port = portOf(l);
    const n = 1000;
    const served: number[] = [];
    let allServed: () => void = () => {};
    const serving = new Promise<void>((resolve) => (allServed = resolve));
    const serve = async (conn: Connection): Promise<void> => {
      const id = await readExactlyRaw(conn, 2);
      served.push(id.readUInt16BE(0));
      await conn.reset();
      if (served.length === n) allServed();
    };
    void (async () => {
      for await (const conn of l) void serve(conn);
    })();
    const raws = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const r = await rawConnect(port);
        r.on('error', () => {}); // the server resets each connection once it has the id
        const id = Buffer.alloc(2);
        id.writeUInt16BE(i);
        r.end(id);
        return r;
      }),
    );
    await serving;
    expect(l.droppedConnections).toBe(0);
    expect([...served].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    for (const r of raws) r.destroy();
  });

  it('a connection is handed to a waiting accept promptly, not held for a burst', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 });
    let conn: Connection | undefined;
    const accepting = l.accept().then((c) => (conn = c));
    const raw = await rawConnect(portOf(l));
    // Held for a burst, it would wait out the 50 ms window: many thousands of turns of an
    // event loop with nothing else to do. A lone connection is built within a few.
    for (let i = 0; i < 10 && conn === undefined; i++) await turns(1);
    expect(conn).toBeDefined();
    await accepting;
    raw.destroy();
    await conn?.reset();
  });

  it('applies connection options to accepted connections', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 }, { receiveBufferSize: 1000 });
    const raw = await rawConnect(portOf(l));
    raw.write(Buffer.alloc(50_000));
    const conn = await l.accept();
    // receiveBufferSize applied: the connection fills to 1000 bytes and holds there.
    await until(() => conn.bufferedBytes === 1000);
    expect(await untilStalled(() => conn.bufferedBytes)).toBe(1000);
    raw.destroy();
    await conn.reset();
  });

  it('for await over a sockflow listener serves sockflow clients', async () => {
    await using l = await listen({ host: LOOPBACK, port: 0 });
    const port = portOf(l);
    const server = (async () => {
      let served = 0;
      for await (const conn of l) {
        for await (const chunk of conn) await conn.send(chunk);
        await conn.close();
        if (++served === 3) break;
      }
    })();
    for (let i = 0; i < 3; i++) {
      await using c = await connect({ host: LOOPBACK, port });
      await c.send(`ping ${i}`);
      await c.shutdown();
      const parts: Uint8Array[] = [];
      for await (const x of c) parts.push(x);
      expect(Buffer.concat(parts).toString()).toBe(`ping ${i}`);
    }
    await server;
  });
});

describe('out of file descriptors (EMFILE)', () => {
  /** This process's open-files limit: [soft, hard]. prlimit is util-linux's, on every Debian. */
  function nofile(): [number, number] {
    const out = execFileSync('prlimit', [
      '--pid',
      String(process.pid),
      '--nofile',
      '-o',
      'SOFT,HARD',
      '--noheadings',
    ]);
    const [soft, hard] = out.toString().trim().split(/\s+/).map(Number);
    return [soft as number, hard as number];
  }
  function setSoftNofile(soft: number, hard: number): void {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${soft}:${hard}`], {
      stdio: 'ignore',
    });
  }

  it('libuv closes what it cannot accept; a pending accept() waits on, and is served once descriptors are free', async () => {
    await using listener = await listen({ host: LOOPBACK, port: 0 });
    const held: Connection[] = [];
    let failure: unknown;
    let accepting = true;
    const loop = (async () => {
      while (accepting) held.push(await listener.accept());
    })().catch((e: unknown) => (failure = e));
    const [soft, hard] = nofile();
    // Room for a few accepted connections, and for the pipe to the peer process below.
    const open = readdirSync('/proc/self/fd').length;
    const PEERS = 30;
    // The peers live in another process, so their sockets do not count against our limit.
    const peerScript = `
      const net = require('node:net');
      let closed = 0;
      for (let i = 0; i < ${PEERS}; i++) {
        const s = net.connect(${portOf(listener)}, '127.0.0.1');
        s.on('error', () => {});
        s.on('close', () => closed++);
      }
      setTimeout(() => { console.log(closed); process.exit(0); }, 1500);`;
    // Descriptors kept aside, closed to make room for prlimit itself when the limit goes back.
    const spare = Array.from({ length: 16 }, () => openSync('/dev/null', 'r'));
    setSoftNofile(open + 10 + spare.length, hard);
    let shed: number;
    try {
      const peer = spawn(process.execPath, ['-e', peerScript], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [out] = (await once(peer.stdout, 'data')) as [Buffer];
      shed = Number(out.toString().trim());
      await once(peer, 'exit');
    } finally {
      for (const fd of spare) closeSync(fd);
      setSoftNofile(soft, hard);
    }
    // Some were accepted, and libuv accepted and closed the rest at once (its reserve
    // descriptor trick): those peers saw their connection end. accept() was never told.
    expect(held.length).toBeGreaterThan(0);
    expect(shed).toBeGreaterThan(0);
    expect(held.length + shed).toBe(PEERS);
    expect(failure).toBeUndefined();
    // The listener goes on: with descriptors free again, the pending accept gets the next one.
    const before = held.length;
    const client = await connect({ host: LOOPBACK, port: portOf(listener) });
    await until(() => held.length === before + 1);
    accepting = false;
    await Promise.all([client.reset(), ...held.map((c) => c.reset())]);
    await listener.close();
    await loop;
  });
});
