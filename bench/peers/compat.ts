// sockflow/compat peers: one reused SocketAsyncEventArgs per direction, looping on synchronous
// completions, as ported .NET code does.
import {
  AddressFamily,
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketAsyncOperation,
  SocketError,
  SocketType,
} from 'sockflow/compat';
import { printPort, type Meter } from './common.js';

export function compatSocket(): Socket {
  return new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
}

/** Runs one compat operation to completion, whichever way it completes. */
export function compatOp(
  op: (e: SocketAsyncEventArgs) => boolean,
  e: SocketAsyncEventArgs,
): Promise<void> {
  return new Promise((resolve) => {
    if (op(e)) e.once('completed', () => resolve());
    else resolve();
  });
}

/** A compat socket: accepted from a fresh listener (port printed), or connected to `port`. */
export async function compatConnection(
  side: 'accept' | 'connect',
  port: number,
): Promise<{ socket: Socket; close: () => void }> {
  if (side === 'connect') {
    const socket = compatSocket();
    socket.noDelay = true;
    const e = new SocketAsyncEventArgs();
    e.remoteEndPoint = new IPEndPoint(IPAddress.Loopback, port);
    await compatOp((x) => socket.connectAsync(x), e);
    return { socket, close: () => undefined };
  }
  const listener = compatSocket();
  listener.noDelay = true; // passed on to the accepted socket, as the other peers do
  listener.bind(new IPEndPoint(IPAddress.Loopback, 0));
  await listener.listenAsync();
  printPort((listener.localEndPoint as IPEndPoint).port);
  const e = new SocketAsyncEventArgs();
  await compatOp((x) => listener.acceptAsync(x), e);
  return { socket: e.acceptSocket as Socket, close: () => listener.close() };
}

/** Receives until EOF with one event args, looping on synchronous completions; counts into `meter`. */
export function compatDrain(socket: Socket, meter: Meter): Promise<void> {
  const e = new SocketAsyncEventArgs();
  e.setBuffer(new Uint8Array(64 * 1024), 0, 64 * 1024);
  return new Promise((resolve) => {
    const take = (): boolean => {
      if (e.bytesTransferred === 0 || e.socketError !== SocketError.Success) {
        resolve();
        return false;
      }
      meter.add(e.bytesTransferred);
      return true;
    };
    const loop = (): void => {
      while (!socket.receiveAsync(e)) if (!take()) return;
    };
    e.on('completed', () => {
      if (take()) loop();
    });
    loop();
  });
}

/** Echoes until EOF: receive, send what came, receive again; synchronous completions loop. */
export function compatEcho(socket: Socket): Promise<void> {
  const e = new SocketAsyncEventArgs();
  const buffer = new Uint8Array(64 * 1024);
  e.setBuffer(buffer, 0, buffer.length);
  return new Promise((resolve) => {
    const received = (): boolean => {
      if (e.bytesTransferred === 0 || e.socketError !== SocketError.Success) {
        resolve();
        return false;
      }
      e.setBuffer(0, e.bytesTransferred);
      if (socket.sendAsync(e)) return false;
      return sent();
    };
    const sent = (): boolean => {
      if (e.socketError !== SocketError.Success) {
        resolve();
        return false;
      }
      e.setBuffer(0, buffer.length);
      return true;
    };
    const loop = (): void => {
      while (!socket.receiveAsync(e)) if (!received()) return;
    };
    e.on('completed', (_s, x) => {
      if (x.lastOperation === SocketAsyncOperation.Receive ? received() : sent()) loop();
    });
    loop();
  });
}

/** n round trips of `message`: send, then receive `size` bytes; synchronous completions loop. */
export function compatPing(socket: Socket, n: number, message: Uint8Array): Promise<void> {
  const size = message.length;
  const send = new SocketAsyncEventArgs();
  send.setBuffer(message, 0, size);
  const recv = new SocketAsyncEventArgs();
  recv.setBuffer(new Uint8Array(size), 0, size);
  let left = n;
  let got = 0;
  return new Promise((resolve, reject) => {
    // One round: send (at once, almost always), then receive until the echo is whole.
    const round = (): void => {
      while (!socket.sendAsync(send) && afterSend());
    };
    const afterSend = (): boolean => {
      if (send.socketError !== SocketError.Success) {
        reject(new Error(`send: ${SocketError[send.socketError]}`));
        return false;
      }
      return receiveRest();
    };
    // True when the echo is whole and the next round should start.
    const receiveRest = (): boolean => {
      for (;;) {
        recv.setBuffer(got, size - got);
        if (socket.receiveAsync(recv)) return false; // continues in the receive's completion
        const next = afterReceive();
        if (next !== 'more') return next === 'round';
      }
    };
    const afterReceive = (): 'more' | 'round' | 'stop' => {
      if (recv.socketError !== SocketError.Success || recv.bytesTransferred === 0) {
        reject(new Error(`receive: ${SocketError[recv.socketError]}`));
        return 'stop';
      }
      got += recv.bytesTransferred;
      if (got < size) return 'more';
      got = 0;
      if (--left === 0) {
        resolve();
        return 'stop';
      }
      return 'round';
    };
    send.on('completed', () => {
      if (afterSend()) round();
    });
    recv.on('completed', () => {
      const next = afterReceive();
      if (next === 'round' || (next === 'more' && receiveRest())) round();
    });
    round();
  });
}
