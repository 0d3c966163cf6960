// The echo server from .NET's SocketAsyncEventArgs documentation, ported to sockflow/compat:
// a buffer manager, a pool of event-args objects, a limit on connected clients, and an accept
// loop that loops on synchronous completions instead of recursing.
//
// The defects of the original are fixed, not ported:
//   (a) the receive window is restored to the full slice before every receive (the original
//       shrank it to the last echo's size for good);
//   (b) receive and send alternate in a loop, not by mutual recursion, so a stream of
//       synchronous completions cannot overflow the stack;
//   (c) a failed accept is checked (the original used its null AcceptSocket);
//   (d) the connection limit pauses the accept loop instead of blocking a completion thread
//       on a semaphore: a closing client restarts it;
//   (e) one slice per connection (the original reserved two and used one), and closed
//       clients return theirs.
//
// Run it: node dist/examples/saea-echo-server.js [maxConnections] [receiveSize] [ipv4|ipv6] [port]
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AddressFamily,
  ArgumentException,
  BufferManager,
  IPAddress,
  IPEndPoint,
  ProtocolType,
  Socket,
  SocketAsyncEventArgs,
  SocketAsyncEventArgsPool,
  SocketAsyncOperation,
  SocketError,
  SocketShutdown,
  SocketType,
} from 'sockflow/compat';

/** What a read/write event-args object carries: the client it serves. */
interface Token {
  socket: Socket | null;
}

export interface EchoServerOptions {
  /** Clients served at once; more wait until one leaves. */
  maxConnections: number;
  /** Bytes per receive. */
  receiveBufferSize: number;
  /** The listen backlog (the original hard-codes 100). */
  backlog?: number;
  /** Print what happens (the original logs every accept, receive and close). */
  log?: (line: string) => void;
}

export class EchoServer {
  readonly #max: number;
  readonly #size: number;
  readonly #backlog: number;
  readonly #log: (line: string) => void;
  readonly #buffers: BufferManager;
  readonly #pool: SocketAsyncEventArgsPool;
  #listener: Socket | undefined;
  readonly #accept = new SocketAsyncEventArgs();
  #connected = 0;
  #totalBytesRead = 0;
  #maxSeen = 0;
  #acceptPaused = false;
  #stopped = false;
  readonly #clients = new Set<Socket>();

  constructor(options: EchoServerOptions) {
    this.#max = options.maxConnections;
    this.#size = options.receiveBufferSize;
    this.#backlog = options.backlog ?? 100;
    this.#log = options.log ?? (() => {});
    this.#buffers = new BufferManager(this.#size * this.#max, this.#size);
    this.#pool = new SocketAsyncEventArgsPool(this.#max);
  }

  /** Allocates the one big buffer and the pool of read/write event args (E6). */
  init(): void {
    this.#buffers.initBuffer();
    for (let i = 0; i < this.#max; i++) {
      const e = new SocketAsyncEventArgs();
      e.on('completed', this.#onIoCompleted);
      e.userToken = { socket: null } satisfies Token;
      if (!this.#buffers.setBuffer(e)) throw new Error('buffer manager is out of space');
      this.#pool.push(e);
    }
    this.#accept.on('completed', this.#onAcceptCompleted);
  }

  /** Binds, listens and starts the accept loop (E7). Resolves once listening. */
  async start(localEndPoint: IPEndPoint): Promise<void> {
    const listener = new Socket(localEndPoint.addressFamily, SocketType.Stream, ProtocolType.Tcp);
    listener.bind(localEndPoint);
    await listener.listenAsync(this.#backlog);
    this.#listener = listener;
    this.#log(`listening on ${String(listener.localEndPoint)}`);
    this.#startAccept();
  }

  /** The port the server listens on. */
  get port(): number {
    return (this.#listener?.localEndPoint as IPEndPoint).port;
  }

  /** Bytes received from all clients so far. */
  get totalBytesRead(): number {
    return this.#totalBytesRead;
  }

  /** Clients connected now. */
  get connectedClients(): number {
    return this.#connected;
  }

  /** The most clients ever connected at once (never above maxConnections). */
  get maxConnectedClients(): number {
    return this.#maxSeen;
  }

  /** Stops accepting and closes every client. */
  stop(): void {
    this.#stopped = true;
    this.#listener?.close();
    for (const s of this.#clients) s.close();
    this.#clients.clear();
  }

  // The accept loop (E8): loop while accepts complete synchronously; a pending one continues
  // in #onAcceptCompleted. At the connection limit the loop pauses (fix d).
  #startAccept(): void {
    const listener = this.#listener as Socket;
    for (;;) {
      if (this.#stopped) return;
      if (this.#connected >= this.#max) {
        this.#acceptPaused = true;
        return;
      }
      this.#accept.acceptSocket = null; // required to reuse the args (B15)
      if (listener.acceptAsync(this.#accept)) return;
      this.#processAccept(this.#accept);
    }
  }

  readonly #onAcceptCompleted = (_sender: Socket, e: SocketAsyncEventArgs): void => {
    if (e.socketError === SocketError.OperationAborted) return; // the listener was closed
    this.#processAccept(e);
    this.#startAccept();
  };

  // E10, with fix (c): a failed accept has no socket to serve.
  #processAccept(e: SocketAsyncEventArgs): void {
    if (e.socketError !== SocketError.Success) {
      this.#log(`accept failed: ${SocketError[e.socketError]}`);
      return;
    }
    const socket = e.acceptSocket as Socket;
    this.#connected++;
    this.#maxSeen = Math.max(this.#maxSeen, this.#connected);
    this.#clients.add(socket);
    this.#log(`client connected: ${this.#connected} connected`);
    const rw = this.#pool.pop();
    (rw.userToken as Token).socket = socket;
    this.#serve(rw);
  }

  // Receive, echo, receive again (E12, E13), as a loop over synchronous completions (fix b).
  // A pending operation leaves the loop; its completion comes back through #onIoCompleted.
  #serve(e: SocketAsyncEventArgs): void {
    const socket = (e.userToken as Token).socket as Socket;
    for (;;) {
      e.setBuffer(e.offset, this.#size); // fix (a): the whole slice for every receive
      if (socket.receiveAsync(e)) return;
      if (!this.#echo(e)) return;
    }
  }

  /** After a receive: echo it. True when the echo completed and the loop may receive again. */
  #echo(e: SocketAsyncEventArgs): boolean {
    if (e.bytesTransferred === 0 || e.socketError !== SocketError.Success) {
      this.#closeClient(e);
      return false;
    }
    this.#totalBytesRead += e.bytesTransferred;
    this.#log(`received ${e.bytesTransferred} bytes`);
    e.setBuffer(e.offset, e.bytesTransferred);
    const socket = (e.userToken as Token).socket as Socket;
    if (socket.sendAsync(e)) return false;
    return this.#sent(e);
  }

  /** After a send: true when the loop may receive again. */
  #sent(e: SocketAsyncEventArgs): boolean {
    if (e.socketError === SocketError.Success) return true;
    this.#closeClient(e);
    return false;
  }

  // The shared completion handler of the read/write args (E11).
  readonly #onIoCompleted = (_sender: Socket, e: SocketAsyncEventArgs): void => {
    switch (e.lastOperation) {
      case SocketAsyncOperation.Receive:
        if (this.#echo(e)) this.#serve(e);
        break;
      case SocketAsyncOperation.Send:
        if (this.#sent(e)) this.#serve(e);
        break;
      default:
        throw new ArgumentException(
          'The last operation completed on the socket was not a receive or send',
        );
    }
  };

  // E14: a clean end for the client, then the slot goes back and the accept loop may resume.
  #closeClient(e: SocketAsyncEventArgs): void {
    const token = e.userToken as Token;
    const socket = token.socket as Socket;
    try {
      socket.shutdown(SocketShutdown.Send);
    } catch {
      // The client may be gone already.
    }
    socket.close();
    this.#clients.delete(socket);
    token.socket = null;
    this.#connected--;
    this.#pool.push(e);
    this.#log(`client disconnected: ${this.#connected} connected`);
    if (this.#acceptPaused && !this.#stopped) {
      this.#acceptPaused = false;
      this.#startAccept();
    }
  }
}

// Run as a program: the original's command line (E1).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { positionals } = parseArgs({ allowPositionals: true });
  const [maxConnections = '100', receiveSize = '1024', family = 'ipv4', port = '7000'] =
    positionals;
  const max = Number(maxConnections);
  const size = Number(receiveSize);
  const p = Number(port);
  if (!(max > 0 && size > 0 && p > 0) || (family !== 'ipv4' && family !== 'ipv6')) {
    console.log('usage: saea-echo-server <maxConnections> <receiveSize> <ipv4|ipv6> <port>');
    process.exit(2);
  }
  const server = new EchoServer({ maxConnections: max, receiveBufferSize: size, log: console.log });
  server.init();
  const any = family === 'ipv6' ? IPAddress.IPv6Any : IPAddress.Any;
  await server.start(new IPEndPoint(any, p));
  process.once('SIGINT', () => server.stop());
  console.log(`press Ctrl-C to stop (${AddressFamily[any.addressFamily]})`);
}
