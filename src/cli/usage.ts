// The command's help texts and its usage errors (exit code 2).

/** A bad command line: one line on standard error, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const HELP = {
  main: `Usage: sockflow <command> [options]

Commands:
  connect <host> <port>   standard input to a TCP connection, the connection to standard output
  listen [--host H] <port>  accept connections and print what they send (or --echo it)
  (both take --udp for datagrams)
  bench [options]         the benchmark suite: sockflow against raw net.Socket and others
  demo                    an echo server and a client over loopback, each step printed

Run "sockflow <command> --help" for a command's options.`,
  connect: `Usage: sockflow connect [options] <host> <port>
       sockflow connect [options] --unix <path>

Sends standard input to the connection and prints what it receives. At the end of standard
input it half-closes the connection (sends FIN, as nc -N does) and prints until the peer ends.

Options:
  --unix <path>       connect to a Unix socket instead
  --tls               TLS, verifying the server against the system's roots (or --ca)
  --ca <file>         PEM file of the roots to trust (with --tls)
  --insecure          with --tls: do not verify the server's certificate
  --timeout <ms>      give up connecting after this many milliseconds (with --udp: how long
                      to wait for replies once the input ended; default 1000)
  --udp               UDP: each chunk of input is a datagram, datagrams from the peer print
  -h, --help          this text

Exit codes: 0 when the peer ended cleanly, 1 on a connection error (its code on standard
error), 2 on a bad command line.`,
  listen: `Usage: sockflow listen [options] [--host H] <port>
       sockflow listen [options] --unix <path>

Accepts a connection and prints what it sends (with --echo, sends it back instead). Without
--keep-open it serves one connection, then exits.

Options:
  --host <host>       the address to listen on (default 127.0.0.1)
  --unix <path>       listen on a Unix socket instead
  --echo              echo what each connection sends back to it
  --keep-open         serve connections one after another until interrupted
  --tls               TLS (with --cert and --key)
  --cert <file>       PEM file of the server's certificate chain
  --key <file>        PEM file of the server's private key
  --udp               UDP: prints (or echoes) datagrams until interrupted; serves the first
                      sender only, or every sender with --keep-open
  -h, --help          this text`,
  demo: `Usage: sockflow demo

Runs an echo server and a client in this process over loopback and prints what each does:
connect, three lines sent, the client's FIN, the echo read back, both sides closed. Exits 0
when the echo came back intact.`,
} as const;
