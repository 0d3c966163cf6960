using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

static class P {
  static string Ep(EndPoint? e, int aPort, int bPort) {
    if (e is IPEndPoint ip) return ip.Port == aPort ? $"{ip.Address}:A" : ip.Port == bPort ? $"{ip.Address}:B" : $"{ip.Address}:{(ip.Port == 0 ? "0" : "other")}";
    return e?.ToString() ?? "null";
  }
  static async Task<SocketAsyncEventArgs> Run(Func<SocketAsyncEventArgs, bool> op, SocketAsyncEventArgs e, string name, int a, int b) {
    var tcs = new TaskCompletionSource();
    EventHandler<SocketAsyncEventArgs> h = (_, _) => tcs.TrySetResult();
    e.Completed += h;
    bool pending;
    try { pending = op(e); } catch (Exception ex) { e.Completed -= h; Console.WriteLine($"{name}: throws {ex.GetType().Name}"); return e; }
    if (pending) await tcs.Task;
    e.Completed -= h;
    Console.WriteLine($"{name}: returns {pending.ToString().ToLower()}, {e.SocketError}, {e.BytesTransferred}, {Ep(e.RemoteEndPoint, a, b)}");
    return e;
  }
  static SocketAsyncEventArgs Args(byte[] buf, int count, EndPoint? ep) { var e = new SocketAsyncEventArgs(); e.SetBuffer(buf, 0, count); e.RemoteEndPoint = ep; return e; }
  static async Task Main() {
    var A = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    var B = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    A.Bind(new IPEndPoint(IPAddress.Loopback, 0)); B.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    int a = ((IPEndPoint)A.LocalEndPoint!).Port, b = ((IPEndPoint)B.LocalEndPoint!).Port;
    var any = new IPEndPoint(IPAddress.Any, 0);
    var bEp = new IPEndPoint(IPAddress.Loopback, b);
    // 1. a receive that waits, then a send
    var r1 = Args(new byte[16], 16, any);
    var recv1 = Run(B.ReceiveFromAsync, r1, "1 B.receiveFromAsync (waits)", a, b);
    await Run(A.SendToAsync, Args(Encoding.ASCII.GetBytes("hello"), 5, bEp), "1 A.sendToAsync hello", a, b);
    await recv1;
    // 2. a datagram already queued
    await Run(A.SendToAsync, Args(Encoding.ASCII.GetBytes("queued"), 6, bEp), "2 A.sendToAsync queued", a, b);
    Thread.Sleep(100);
    await Run(B.ReceiveFromAsync, Args(new byte[16], 16, any), "2 B.receiveFromAsync (queued)", a, b);
    // 3. truncation
    await Run(A.SendToAsync, Args(Encoding.ASCII.GetBytes("0123456789"), 10, bEp), "3 A.sendToAsync 10 bytes", a, b);
    Thread.Sleep(100);
    var r3 = await Run(B.ReceiveFromAsync, Args(new byte[4], 4, any), "3 B.receiveFromAsync into 4", a, b);
    Console.WriteLine($"3 bytes: {Encoding.ASCII.GetString(r3.Buffer!, 0, 4)}");
    // 3b. truncation when the receive waits
    var r3b = Args(new byte[4], 4, any);
    var recv3b = Run(B.ReceiveFromAsync, r3b, "3b B.receiveFromAsync into 4 (waits)", a, b);
    await Run(A.SendToAsync, Args(Encoding.ASCII.GetBytes("abcdefghij"), 10, bEp), "3b A.sendToAsync 10 bytes", a, b);
    await recv3b;
    // 3c. a datagram larger than IPv4 allows
    await Run(A.SendToAsync, Args(new byte[70000], 70000, bEp), "3c A.sendToAsync 70000 bytes", a, b);
    // 4. zero-byte datagram
    await Run(A.SendToAsync, Args(new byte[0], 0, bEp), "4 A.sendToAsync 0 bytes", a, b);
    Thread.Sleep(100);
    await Run(B.ReceiveFromAsync, Args(new byte[16], 16, any), "4 B.receiveFromAsync", a, b);
    // 5. connect for a default peer, then sendAsync / receiveAsync
    var C = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    C.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    int c = ((IPEndPoint)C.LocalEndPoint!).Port;
    await Run(C.ConnectAsync, Args(new byte[0], 0, bEp), "5 C.connectAsync B", c, b);
    Console.WriteLine($"5 C.Connected {C.Connected}, RemoteEndPoint {Ep(C.RemoteEndPoint, c, b)}");
    await Run(C.SendAsync, Args(Encoding.ASCII.GetBytes("via connect"), 11, null), "5 C.sendAsync", c, b);
    Thread.Sleep(100);
    await Run(B.ReceiveFromAsync, Args(new byte[16], 16, any), "5 B.receiveFromAsync", c, b);
    // 6. argument and state errors
    await Run(A.SendToAsync, Args(new byte[1], 1, null), "6 sendToAsync without remoteEndPoint", a, b);
    await Run(A.ReceiveFromAsync, Args(new byte[1], 1, null), "6 receiveFromAsync without remoteEndPoint", a, b);
    var U = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    var ru = Args(new byte[16], 16, any);
    var recvU = Run(U.ReceiveFromAsync, ru, "6 receiveFromAsync unbound (completes later)", a, b);
    Console.WriteLine($"6 receiveFromAsync unbound: completed at once {recvU.IsCompleted}, U.IsBound {U.IsBound}, U.LocalEndPoint {U.LocalEndPoint}");
    // an unbound socket's sendTo binds it implicitly
    await Run(U.SendToAsync, Args(Encoding.ASCII.GetBytes("u"), 1, bEp), "6 unbound sendToAsync", a, b);
    Console.WriteLine($"6 U.IsBound {U.IsBound}");
    Thread.Sleep(100);
    await Run(B.ReceiveFromAsync, Args(new byte[16], 16, any), "6 B.receiveFromAsync", a, b);
    U.Close();
    await recvU;
    // 7. ICMP port unreachable on a connected socket
    var D = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    D.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    var dead = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    dead.Bind(new IPEndPoint(IPAddress.Loopback, 0)); int deadPort = ((IPEndPoint)dead.LocalEndPoint!).Port; dead.Close();
    await Run(D.ConnectAsync, Args(new byte[0], 0, new IPEndPoint(IPAddress.Loopback, deadPort)), "7 D.connectAsync dead", a, b);
    await Run(D.SendAsync, Args(Encoding.ASCII.GetBytes("x"), 1, null), "7 D.sendAsync", a, b);
    Thread.Sleep(100);
    await Run(D.ReceiveAsync, Args(new byte[16], 16, null), "7 D.receiveAsync", a, b);
    // 8. a receive pending when the socket is closed
    var r8 = Args(new byte[16], 16, any);
    var recv8 = Run(B.ReceiveFromAsync, r8, "8 B.receiveFromAsync then close", a, b);
    Thread.Sleep(50);
    B.Close();
    await recv8;
  }
}
