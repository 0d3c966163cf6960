// The names code examples use without defining them: what the text around an example has
// introduced (a connection, a listener, a compat socket and its event args…) and the
// application's own functions. Global declarations, for .build/snippets/ (see
// extract-snippets.js); every export of sockflow's three entry points is declared beside
// them, in the generated exports.d.ts. A name an example uses in another sense than here gets
// defined in the example instead.

// The core.
declare const conn: import('sockflow').Connection;
declare const upstream: import('sockflow').Connection;
declare const downstream: import('sockflow').Connection;
declare const listener: import('sockflow').Listener;
declare const port: number;
// A UDP socket (docs/datagrams.md).
declare const udp: import('sockflow').DatagramSocket;

// sockflow/compat: a socket (the listening one is `server`), its peer, event args, the pool.
declare const socket: import('sockflow/compat').Socket;
declare const server: import('sockflow/compat').Socket;
declare const client: import('sockflow/compat').Socket;
declare const e: import('sockflow/compat').SocketAsyncEventArgs;
declare const pool: import('sockflow/compat').SocketAsyncEventArgsPool;
declare const buffers: import('sockflow/compat').BufferManager;
declare const ep: import('sockflow/compat').EndPoint;
declare const maxConnections: number;
declare const receiveSize: number;

// Bytes the application has at hand.
declare const data: Uint8Array;
declare const a: Uint8Array;
declare const b: Uint8Array;
declare const big: Uint8Array;
declare const bytes: Uint8Array;
declare const buf: Uint8Array;
declare const buffer: Uint8Array;
declare const header: Uint8Array;
declare const body: Uint8Array;
declare const tail: Uint8Array;
declare const payload: Uint8Array;
declare const request: Uint8Array;
declare const reply: Uint8Array;
declare const message: Uint8Array;
declare const fileStream: ReadableStream<Uint8Array>;
declare const n: number;
declare const bodyLength: number;
declare const input: string;
declare const err: unknown;
declare const protocolViolation: boolean;
declare const hash: import('node:crypto').Hash;
declare const metrics: { idleClosed: number; set(name: string, value: number): void };

// The application's own functions.
declare function handle(value: unknown): unknown;
declare function respond(request: Uint8Array): Uint8Array;
declare function serve(conn: import('sockflow').Connection): Promise<void>;
declare function consume(bytes: Uint8Array): void;
declare function use(socket: import('sockflow/compat').Socket | null): void;
declare function reconnect(): void;
declare function rejectConnection(): void;
declare function readAll(conn: import('sockflow').Connection): Promise<Uint8Array>;
declare function contentLength(head: Uint8Array): number;
declare function onConnected(e: import('sockflow/compat').SocketAsyncEventArgs): void;
declare function onAccepted(e: import('sockflow/compat').SocketAsyncEventArgs): void;
declare function onReceived(e: import('sockflow/compat').SocketAsyncEventArgs): void;
declare function onDatagram(e: import('sockflow/compat').SocketAsyncEventArgs): void;
declare const datagram: Uint8Array;
declare function onSent(e: import('sockflow/compat').SocketAsyncEventArgs): void;
declare function closeClient(e: import('sockflow/compat').SocketAsyncEventArgs): void;

// TLS: the application's key and certificate (PEM), and node:fs's reader.
declare const key: string;
declare const cert: string;
declare function readFileSync(path: string): Buffer;
declare function speakHttp2(conn: import('sockflow').Connection): void;
declare const plain: import('sockflow').Connection;
declare const caPem: string;
