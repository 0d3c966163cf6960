// MQTT.js over sockflow connections: MqttClient builds its stream with toDuplex(), a socket at once,
// again for every reconnect. docs/recipes.md walks through it;
// test/examples-libraries.test.ts runs it against a throwaway mosquitto.
//
// Run it: node dist/examples/mqtt-client.js 127.0.0.1 1883 some/topic
import { pathToFileURL } from 'node:url';
import { MqttClient, type IClientOptions } from 'mqtt';
import { connect } from 'sockflow';
import { toDuplex } from 'sockflow/streams';

// #region docs
/**
 * A connected `MqttClient` over sockflow connections. MQTT.js builds its stream
 * synchronously, and again for every reconnect (`reconnectPeriod`, 1 s by default):
 * `toDuplex()` gives one at once, still connecting. The client owns its connection:
 * `client.end()` closes it. `signal` bounds the first connection and CONNACK; a client that
 * does not get there is ended.
 */
export async function connectMqtt(
  to: { host: string; port: number },
  options: IClientOptions = {},
  signal: AbortSignal = AbortSignal.timeout(10_000),
): Promise<MqttClient> {
  // MQTT.js learns that the broker ended the connection only from 'close' (and then
  // reconnects): allowHalfOpen false, as a net.connect() socket.
  const client = new MqttClient(
    () => toDuplex((signal) => connect(to, { signal }), { allowHalfOpen: false }),
    options,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve()).once('error', reject);
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
