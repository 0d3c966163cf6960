// STARTTLS two ways, both ends in sockflow: an SMTP-style upgrade (a text command, a reply,
// then TLS) and a PostgreSQL-style one (an 8-byte SSLRequest, a one-byte answer, then TLS).
// Each side reads exactly up to the end of the plaintext part and never past it; whatever
// arrived behind it (a pipelined ClientHello) is handed to TLS by startTls(). docs/tls.md
// explains; test/examples-tls.test.ts runs both.
import { type Connection, type StartTlsServerOptions } from 'sockflow';
import { lines, readExactly } from 'sockflow/streams';

async function line(conn: Connection): Promise<string> {
  for await (const l of lines(conn, { maxLineLength: 512 })) return l;
  throw new Error('connection ended before a line');
}

/** SMTP server side: greeting, EHLO, STARTTLS, then one command over TLS. */
export async function smtpServer(conn: Connection, creds: StartTlsServerOptions): Promise<string> {
  await conn.send('220 mail.example ESMTP\r\n');
  if (!(await line(conn)).startsWith('EHLO ')) throw new Error('expected EHLO');
  await conn.send('250-mail.example\r\n250 STARTTLS\r\n');
  if ((await line(conn)) !== 'STARTTLS') throw new Error('expected STARTTLS');
  await conn.send('220 Ready to start TLS\r\n');
  await using secure = await conn.startTls(creds); // `conn` is spent from here on
  const command = await line(secure);
  await secure.send('250 OK\r\n');
  await secure.shutdown('send');
  return command;
}

/** SMTP client side: the command goes out before the greeting is read (pipelining). */
export async function smtpClient(conn: Connection, ca: string | Uint8Array): Promise<string> {
  void conn.send('EHLO client.example\r\n'); // races the greeting; sends stay in order
  if (!(await line(conn)).startsWith('220 ')) throw new Error('expected a greeting');
  while (!(await line(conn)).startsWith('250 '));
  await conn.send('STARTTLS\r\n');
  if (!(await line(conn)).startsWith('220 ')) throw new Error('server refused STARTTLS');
  await using secure = await conn.startTls({ ca, servername: 'localhost' });
  await secure.send('MAIL FROM:<a@example.com>\r\n');
  return await line(secure); // await: `using` closes `secure` on return
}

const SSL_REQUEST = new Uint8Array([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** PostgreSQL server side: answer an SSLRequest with 'S', then TLS; returns the first bytes. */
export async function postgresServer(
  conn: Connection,
  creds: StartTlsServerOptions,
): Promise<Uint8Array> {
  const request = await readExactly(conn, 8);
  if (!request.every((b, i) => b === SSL_REQUEST[i])) throw new Error('expected SSLRequest');
  await conn.send('S');
  await using secure = await conn.startTls(creds);
  return await readExactly(secure, 4); // await: `using` closes `secure` on return
}

/** PostgreSQL client side: SSLRequest, the answer, then TLS. */
export async function postgresClient(conn: Connection, ca: string | Uint8Array): Promise<void> {
  await conn.send(SSL_REQUEST);
  const answer = await readExactly(conn, 1);
  if (answer[0] !== 0x53) throw new Error('server does not speak TLS');
  await using secure = await conn.startTls({ ca, servername: 'localhost' });
  await secure.send(new Uint8Array([0, 3, 0, 0]));
  await secure.flush();
}
