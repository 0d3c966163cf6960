// .NET's SocketAsyncEventArgs as a peer of bench/run.ts, speaking bench/peer.ts's protocol
// ("PORT n" once listening, "RESULT {json}" once measured), so that sockflow/compat and the
// core are printed as ratios to the pattern compat reproduces, in the same run:
//
//   echo dotnet                              listen, echo one connection until EOF
//   ping dotnet <port> <n> <size>            n round trips of <size> bytes; the result
//   bulk-recv dotnet accept|connect <port> <warm>
//                                            receive until EOF, 64 KiB a receive; measured
//                                            after <warm> bytes, as bench/peers/common.ts's Meter
//
// Each loop is .NET's documented pattern: start the operation, and when it completes
// synchronously (false) handle it and loop, else continue from the Completed event.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

static class Program
{
    static readonly Stopwatch Clock = new();
    static TimeSpan cpuUser, cpuSystem;

    static void StartMeasuring()
    {
        var p = Process.GetCurrentProcess();
        cpuUser = p.UserProcessorTime;
        cpuSystem = p.PrivilegedProcessorTime;
        Clock.Restart();
    }

    static void PrintResult(long bytes, params (string Key, double Value)[] extra)
    {
        var seconds = Clock.Elapsed.TotalSeconds;
        var p = Process.GetCurrentProcess();
        p.Refresh();
        var fields = new List<string>
        {
            F("seconds", seconds),
            F("userSeconds", (p.UserProcessorTime - cpuUser).TotalSeconds),
            F("systemSeconds", (p.PrivilegedProcessorTime - cpuSystem).TotalSeconds),
            F("maxRss", p.PeakWorkingSet64),
            F("bytes", bytes),
        };
        foreach (var (k, v) in extra) fields.Add(F(k, v));
        Console.Out.Write($"RESULT {{{string.Join(",", fields)}}}\n");
        Console.Out.Flush();
    }

    static string F(string key, double value) =>
        $"\"{key}\":{value.ToString("R", CultureInfo.InvariantCulture)}";

    static Socket Listen()
    {
        var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(16);
        Console.Out.Write($"PORT {((IPEndPoint)l.LocalEndPoint!).Port}\n");
        Console.Out.Flush();
        return l;
    }

    static Socket Connect(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        s.Connect(new IPEndPoint(IPAddress.Loopback, port));
        return s;
    }

    static async Task<int> Main(string[] args)
    {
        switch (args[0])
        {
            case "echo":
                {
                    using var l = Listen();
                    var s = l.Accept();
                    s.NoDelay = true;
                    await new Echo(s).Run();
                    return 0;
                }
            case "ping":
                {
                    var s = Connect(int.Parse(args[2]));
                    int n = int.Parse(args[3]), size = int.Parse(args[4]);
                    var ping = new Ping(s, n, size);
                    StartMeasuring();
                    await ping.Run();
                    PrintResult((long)n * size * 2, ("roundTrips", n));
                    s.Shutdown(SocketShutdown.Send);
                    s.Close();
                    return 0;
                }
            case "bulk-recv":
                {
                    Socket s;
                    if (args[2] == "accept")
                    {
                        using var l = Listen();
                        s = l.Accept();
                    }
                    else s = Connect(int.Parse(args[3]));
                    var recv = new BulkReceiver(s, long.Parse(args[4]));
                    await recv.Run();
                    PrintResult(recv.Total - recv.From, ("totalBytes", recv.Total));
                    s.Close();
                    return 0;
                }
            default:
                Console.Error.WriteLine($"unknown role {args[0]}");
                return 2;
        }
    }

    /// <summary>Echoes until EOF: receive, send what came, receive again.</summary>
    sealed class Echo
    {
        readonly Socket s;
        readonly SocketAsyncEventArgs e = new();
        readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        bool sending;

        public Echo(Socket s)
        {
            this.s = s;
            e.SetBuffer(new byte[64 * 1024], 0, 64 * 1024);
            e.Completed += (_, _) => { if (Step()) Loop(); };
        }

        public Task Run() { Loop(); return done.Task; }

        void Loop()
        {
            while (true)
            {
                bool pending = sending ? s.SendAsync(e) : s.ReceiveAsync(e);
                if (pending || !Step()) return;
            }
        }

        /// <summary>Handles a completion; false when finished.</summary>
        bool Step()
        {
            if (sending)
            {
                sending = false;
                e.SetBuffer(0, e.Buffer!.Length);
                return true;
            }
            if (e.SocketError != SocketError.Success || e.BytesTransferred == 0)
            {
                try { s.Shutdown(SocketShutdown.Send); } catch (SocketException) { }
                s.Close();
                done.TrySetResult();
                return false;
            }
            e.SetBuffer(0, e.BytesTransferred);
            sending = true;
            return true;
        }
    }

    /// <summary>n round trips: send size bytes, receive size bytes.</summary>
    sealed class Ping
    {
        readonly Socket s;
        readonly SocketAsyncEventArgs send = new(), recv = new();
        readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly int n, size;
        int trips, got;
        int phase; // 0: send next, 1: receiving

        public Ping(Socket s, int n, int size)
        {
            this.s = s;
            this.n = n;
            this.size = size;
            send.SetBuffer(new byte[size], 0, size);
            recv.SetBuffer(new byte[64 * 1024], 0, 64 * 1024);
            send.Completed += (_, _) => { phase = 1; Loop(); };
            recv.Completed += (_, _) => { if (Received()) Loop(); };
        }

        public Task Run() { Loop(); return done.Task; }

        void Loop()
        {
            while (true)
            {
                if (phase == 0)
                {
                    if (trips == n) { done.TrySetResult(); return; }
                    got = 0;
                    if (s.SendAsync(send)) return;
                    phase = 1;
                }
                if (s.ReceiveAsync(recv)) return;
                if (!Received()) return;
            }
        }

        bool Received()
        {
            if (recv.SocketError != SocketError.Success || recv.BytesTransferred == 0)
            {
                done.TrySetException(new Exception($"receive: {recv.SocketError}"));
                return false;
            }
            got += recv.BytesTransferred;
            if (got >= size) { trips++; phase = 0; }
            return true;
        }
    }

    /// <summary>Receives until EOF; measured from the first receive after the warm-up.</summary>
    sealed class BulkReceiver
    {
        readonly Socket s;
        readonly SocketAsyncEventArgs e = new();
        readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly long warm;
        bool measuring;
        public long Total, From;

        public BulkReceiver(Socket s, long warm)
        {
            this.s = s;
            this.warm = warm;
            e.SetBuffer(new byte[64 * 1024], 0, 64 * 1024);
            e.Completed += (_, _) => { if (Step()) Loop(); };
        }

        public Task Run() { Loop(); return done.Task; }

        void Loop()
        {
            while (true)
            {
                if (!measuring && Total >= warm) { measuring = true; From = Total; StartMeasuring(); }
                if (s.ReceiveAsync(e) || !Step()) return;
            }
        }

        bool Step()
        {
            if (e.SocketError != SocketError.Success || e.BytesTransferred == 0)
            {
                done.TrySetResult();
                return false;
            }
            Total += e.BytesTransferred;
            return true;
        }
    }
}
