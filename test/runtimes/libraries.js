// The recipes of docs/recipes.md (built: dist/examples/) under whatever runtime runs this:
// sockflow connections under node:http's Agent, undici, ws, MQTT.js and pg, as
// test/examples-libraries.test.ts and test/examples-pg.test.ts drive them under vitest, a
// smaller count each. run.js starts the mosquitto and PostgreSQL servers (with Node) and
// passes their ports: SOCKFLOW_MQTT_PORT, SOCKFLOW_PG_PORT, SOCKFLOW_PG_CA (the server
// certificate's file).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fetch } from 'undici';
import { WebSocketServer } from 'ws';
import { getText, sockflowAgent } from '../../dist/examples/http-agent.js';
import { sockflowDispatcher } from '../../dist/examples/undici-agent.js';
import { openWebSocket } from '../../dist/examples/ws-client.js';
import { connectMqtt } from '../../dist/examples/mqtt-client.js';
import { connectPg } from '../../dist/examples/pg-client.js';
import { failures, step } from './step.js';

const HOST = '127.0.0.1';
const N = 200;
const isBun = typeof process.versions.bun === 'string';

/** The sockflow connections `run()` opened, counted on sockflow:connected. */
async function counted(run) {
  let opened = 0;
  const seen = () => opened++;
  subscribe('sockflow:connected', seen);
  try {
    await run();
  } finally {
    unsubscribe('sockflow:connected', seen);
  }
  return opened;
}

/** A node:http server answering each request with its path. */
async function pathServer() {
  const server = createServer((req, res) => res.end(`you asked for ${req.url}`));
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return server;
}

function expectBodies(bodies) {
  bodies.forEach((body, i) => {
    if (body !== `you asked for /${i}`) throw new Error(`body ${i}: ${body}`);
  });
}

await step(`http-agent.ts: ${N} requests over at most 4 pooled sockflow connections`, async () => {
  const server = await pathServer();
  const base = `http://${HOST}:${server.address().port}`;
  const agent = sockflowAgent({ maxSockets: 4 });
  const bodies = [];
  const opened = await counted(() =>
    Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = w; i < N; i += 4) bodies[i] = (await getText(`${base}/${i}`, agent)).body;
      }),
    ),
  );
  agent.destroy();
  server.closeAllConnections();
  server.close();
  expectBodies(bodies);
  if (opened < 1 || opened > 4) throw new Error(`${opened} connections`);
  return `${opened} connections`;
});

await step(`undici-agent.ts: ${N} fetch calls over at most 4 sockflow connections`, async () => {
  const server = await pathServer();
  const base = `http://${HOST}:${server.address().port}`;
  const dispatcher = sockflowDispatcher({ connections: 4 });
  let bodies = [];
  const opened = await counted(async () => {
    bodies = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        fetch(`${base}/${i}`, { dispatcher }).then((r) => r.text()),
      ),
    );
  });
  await dispatcher.close?.();
  server.closeAllConnections();
  server.close();
  expectBodies(bodies);
  // Bun's `undici` is its own stand-in, whose fetch ignores `dispatcher` (docs/recipes.md):
  // the requests go over Bun's sockets. Checked, so that the page is corrected if it changes.
  if (isBun) {
    if (opened !== 0) throw new Error(`Bun's undici used the dispatcher now (${opened})`);
    return 'Bun: its undici stand-in ignores dispatcher, as docs/recipes.md says';
  }
  if (opened < 1 || opened > 4) throw new Error(`${opened} connections`);
  return `${opened} connections`;
});

await step(`ws-client.ts: ${N} text and binary messages echoed`, async () => {
  const wss = new WebSocketServer({ host: HOST, port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (peer) => {
    peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
  });
  const ws = await openWebSocket(`ws://${HOST}:${wss.address().port}/`);
  const sent = Array.from({ length: N }, (_, i) =>
    i % 2 === 0 ? `text ${i} ${'é'.repeat(i % 50)}` : randomBytes(1 + ((i * 31) % 3000)),
  );
  const got = [];
  const all = new Promise((resolve) => {
    ws.on('message', (data, isBinary) => {
      got.push(isBinary ? Buffer.from(data) : String(data));
      if (got.length === N) resolve();
    });
  });
  for (const m of sent) ws.send(m);
  await all;
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));
  await new Promise((resolve) => wss.close(resolve));
  sent.forEach((m, i) => {
    const same = typeof m === 'string' ? got[i] === m : Buffer.compare(got[i], m) === 0;
    if (!same) throw new Error(`message ${i} differs`);
  });
});

await step(`mqtt-client.ts: ${N} QoS-1 messages through mosquitto, in order`, async () => {
  const port = Number(process.env.SOCKFLOW_MQTT_PORT);
  if (!port) throw new Error('SOCKFLOW_MQTT_PORT not set (run.js starts mosquitto)');
  const client = await connectMqtt({ host: HOST, port }, { clean: true });
  const topic = `sockflow/runtimes/${process.pid}`;
  const got = [];
  const all = new Promise((resolve) => {
    client.on('message', (_topic, payload) => {
      got.push(String(payload));
      if (got.length === N) resolve();
    });
  });
  await client.subscribeAsync(topic, { qos: 1 });
  const sent = Array.from({ length: N }, (_, i) => `message ${i}`);
  await Promise.all(sent.map((m) => client.publishAsync(topic, m, { qos: 1 })));
  await all;
  await client.endAsync();
  if (got.join('\n') !== sent.join('\n')) throw new Error('messages differ');
});

for (const ssl of [false, true]) {
  await step(
    `pg-client.ts: ${N} parameterised inserts read back${ssl ? ', over ssl' : ''}`,
    async () => {
      const port = Number(process.env.SOCKFLOW_PG_PORT);
      if (!port) throw new Error('SOCKFLOW_PG_PORT not set (run.js starts PostgreSQL)');
      const ca = readFileSync(process.env.SOCKFLOW_PG_CA ?? '', 'utf8');
      const db = await connectPg({ host: HOST, port, user: 'postgres', ssl: ssl ? { ca } : false });
      try {
        const { rows: who } = await db.query(
          'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
        );
        if (who[0]?.ssl !== ssl) throw new Error(`server says ssl: ${who[0]?.ssl}`);
        const table = `rows_${process.pid}_${ssl ? 'tls' : 'plain'}`;
        await db.query(
          `CREATE TEMPORARY TABLE ${table} (id int PRIMARY KEY, name text, data bytea)`,
        );
        const rows = Array.from({ length: N }, (_, id) => ({
          id,
          name: `row ${id} ✓ 'quoted'`,
          data: randomBytes(id % 97),
        }));
        for (const r of rows) {
          await db.query(`INSERT INTO ${table} VALUES ($1, $2, $3)`, [r.id, r.name, r.data]);
        }
        const { rows: read } = await db.query(`SELECT id, name, data FROM ${table} ORDER BY id`);
        rows.forEach((r, i) => {
          const x = read[i];
          if (x?.id !== r.id || x.name !== r.name || Buffer.compare(x.data, r.data) !== 0) {
            throw new Error(`row ${i} differs`);
          }
        });
      } finally {
        await db.end();
      }
    },
  );
}

console.log(failures() === 0 ? 'every recipe ran' : `${failures()} recipe(s) failed`);
process.exit(failures() === 0 ? 0 : 1);
