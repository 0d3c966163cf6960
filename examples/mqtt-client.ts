// MQTT.js over a sockflow connection: the connection is opened (with a deadline) and
// MqttClient builds its stream on it. docs/recipes.md walks through it;
// test/examples-libraries.test.ts runs it against a throwaway mosquitto.
//
// Run it: node dist/examples/mqtt-client.js 127.0.0.1 1883 some/topic
import { pathToFileURL } from 'node:url';
import { MqttClient, type IClientOptions } from 'mqtt';
import { connect } from 'sockflow';
import { toDuplex } from 'sockflow/streams';

// #region docs
/**
 * A connected `MqttClient` over a sockflow connection. MQTT.js builds its stream
 * synchronously, and again on each reconnect, so the connection is opened first and
 * reconnecting is left to the caller (`reconnectPeriod: 0`: make a new client). The client
 * owns the connection: `client.end()` closes it; `signal` bounds the connection and the
 * MQTT CONNECT together.
 */
export async function connectMqtt(
  to: { host: string; port: number },
  options: IClientOptions = {},
  signal: AbortSignal = AbortSignal.timeout(10_000),
): Promise<MqttClient> {
  const conn = await connect(to, { signal });
  const client = new MqttClient(() => toDuplex(conn), { ...options, reconnectPeriod: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      client
        .once('connect', () => resolve())
        .once('error', reject)
        .once('close', () => {
          reject(new Error('the broker closed the connection before CONNACK'));
        });
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
    return client;
  } catch (err) {
    client.end(true); // forced: closes the connection without waiting for the broker
    throw err;
  }
}
// #endregion docs

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [host = '127.0.0.1', port = '1883', topic = 'sockflow/demo'] = process.argv.slice(2);
  const client = await connectMqtt({ host, port: Number(port) });
  await client.subscribeAsync(topic, { qos: 1 });
  client.on('message', (t, payload: Buffer) => console.log(t, payload.toString()));
  await client.publishAsync(topic, 'hello from sockflow', { qos: 1 });
  await client.endAsync();
}
