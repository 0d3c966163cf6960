// Small messages from many producers: 50 concurrent producers share one connection and send
// 100-byte messages; a raw receiver drains them.
//
//   small-recv                          listen, drain until EOF; prints the receiver's result
//   small-send <impl> <port> <n> <producers>  send n messages from concurrent producers
import { once } from 'node:events';
import { measure, rawSocket, sockflowConnection } from './common.js';

const SIZE = 100;

export async function smallRecv(): Promise<void> {
  const { socket, close } = await rawSocket('accept', 0);
  let bytes = 0;
  let done: ReturnType<typeof measure> | undefined;
  socket.on('data', (chunk: Buffer) => {
    done ??= measure(); // from the first byte
    bytes += chunk.length;
  });
  await once(socket, 'end');
  done?.({ bytes, messages: bytes / SIZE });
  socket.end();
  await once(socket, 'close');
  close();
}

/**
 * `n` messages of 100 bytes, split over `producers` concurrent loops. sockflow: each producer
 * awaits `send()`, so at most one of its messages is outstanding and the send queue orders them;
 * raw: each producer calls `write()` and waits for 'drain' when it returns false.
 */
export async function smallSend(
  impl: string,
  port: number,
  n: number,
  producers: number,
): Promise<void> {
  const message = Buffer.alloc(SIZE, 0x73);
  const share = (p: number): number => Math.floor(n / producers) + (p < n % producers ? 1 : 0);
  if (impl === 'raw') {
    const { socket } = await rawSocket('connect', port);
    socket.setMaxListeners(producers + 10); // every producer may wait for 'drain'
    const done = measure();
    await Promise.all(
      Array.from({ length: producers }, async (_, p) => {
        for (let i = share(p); i > 0; i--) {
          if (!socket.write(message)) await once(socket, 'drain');
        }
      }),
    );
    socket.end();
    await once(socket, 'finish');
    done({ bytes: n * SIZE, messages: n });
    await once(socket, 'close');
    return;
  }
  const { conn } = await sockflowConnection('connect', port);
  const done = measure();
  await Promise.all(
    Array.from({ length: producers }, async (_, p) => {
      for (let i = share(p); i > 0; i--) await conn.send(message);
    }),
  );
  await conn.shutdown('send');
  done({ bytes: n * SIZE, messages: n });
  await conn.close();
}
