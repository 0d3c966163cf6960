using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

static class P {
  static string Ep(EndPoint? e, int aPort, int bPort) {
    if (e is IPEndPoint ip) return ip.Port == aPort ? $"{ip.Address}:A" : ip.Port == bPort ? $"{ip.Address}:B" : $"{ip.Address}:{(ip.Port == 0 ? "0" : "other")}";
    if (e is DnsEndPoint d) return $"{d.AddressFamily}/{d.Host}:{(d.Port == aPort ? "A" : d.Port == bPort ? "B" : "other")}";
    return e?.ToString() ?? "null";
  }
  static async Task<SocketAsyncEventArgs> Run(Func<SocketAsyncEventArgs, bool> op, SocketAsyncEventArgs e, string name, int a, int b) {
    var tcs = new TaskCompletionSource();
    EventHandler<SocketAsyncEventArgs> h = (_, _) => tcs.TrySetResult();
    e.Completed += h;
    bool pending;
    try { pending = op(e); } catch (SocketException ex) { e.Completed -= h; Console.WriteLine($"{name}: throws SocketException {ex.SocketErrorCode}"); return e; } catch (Exception ex) { e.Completed -= h; Console.WriteLine($"{name}: throws {ex.GetType().Name}"); return e; }
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
    Console.WriteLine($"3 bytes: {Encoding.ASCII.GetString(r3.Buffer!, 0, 4)}, flags {r3.SocketFlags}");
    // 3b. truncation when the receive waits
    var r3b = Args(new byte[4], 4, any);
    var recv3b = Run(B.ReceiveFromAsync, r3b, "3b B.receiveFromAsync into 4 (waits)", a, b);
    await Run(A.SendToAsync, Args(Encoding.ASCII.GetBytes("abcdefghij"), 10, bEp), "3b A.sendToAsync 10 bytes", a, b);
    await recv3b;
    Console.WriteLine($"3b flags {r3b.SocketFlags}");
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
    // 8b. an aborted receive reports the count of the socket's last receive that pended
    var E = Bound(); var eEp = E.LocalEndPoint!;
    var r8b = Run(E.ReceiveFromAsync, Args(new byte[16], 16, any), "8b E.receiveFromAsync (waits)", a, b);
    Thread.Sleep(50);
    A.SendTo(new byte[7], eEp);
    await r8b;
    A.SendTo(new byte[3], eEp);
    Thread.Sleep(100);
    await Run(E.ReceiveFromAsync, Args(new byte[16], 16, any), "8b E.receiveFromAsync (queued)", a, b);
    var r8c = Run(E.ReceiveAsync, Args(new byte[16], 16, null), "8b E.receiveAsync then close", a, b);
    Thread.Sleep(50);
    E.Close();
    await r8c;
    // 9. what a datagram socket can be made with
    Make("9 new Socket(InterNetwork, Dgram, Unspecified)", () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Unspecified));
    Make("9 new Socket(InterNetwork, Dgram, Tcp)", () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Tcp));
    Make("9 new Socket(InterNetwork, Stream, Udp)", () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Udp));
    Make("9 new Socket(InterNetworkV6, Dgram, Udp)", () => new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp));
    // 10. stream-only operations
    var F = Bound(); var fEp = (IPEndPoint)F.LocalEndPoint!;
    Try("10 listen", () => { F.Listen(1); return null; });
    Try("10 acceptAsync", () => F.AcceptAsync(new SocketAsyncEventArgs()));
    Try("10 noDelay get", () => F.NoDelay);
    Try("10 noDelay set", () => { F.NoDelay = true; return null; });
    Try("10 bind again", () => { F.Bind(new IPEndPoint(IPAddress.Loopback, 0)); return null; });
    await Run(F.SendAsync, Args(new byte[1], 1, null), "10 sendAsync unconnected", a, b);
    await Run(F.SendToAsync, Args(new byte[1], 1, new IPEndPoint(IPAddress.IPv6Loopback, b)), "10 sendToAsync to IPv6", a, b);
    await Run(F.ReceiveFromAsync, Args(new byte[1], 1, new IPEndPoint(IPAddress.IPv6Any, 0)), "10 receiveFromAsync IPv6 endpoint", a, b);
    await Run(F.SendToAsync, Args(new byte[1], 1, new DnsEndPoint("localhost", b)), "10 sendToAsync DnsEndPoint", a, b);
    var bl = new SocketAsyncEventArgs { RemoteEndPoint = fEp, BufferList = new List<ArraySegment<byte>> { new(Encoding.ASCII.GetBytes("ab")), new(Encoding.ASCII.GetBytes("cd")) } };
    await Run(A.SendToAsync, bl, "10 sendToAsync bufferList", a, b);
    Thread.Sleep(100);
    Console.WriteLine($"10 F.Available {F.Available}");
    var bl2 = new SocketAsyncEventArgs { RemoteEndPoint = any, BufferList = new List<ArraySegment<byte>> { new(new byte[1]), new(new byte[8]) } };
    await Run(F.ReceiveFromAsync, bl2, "10 receiveFromAsync bufferList", a, b);
    Console.WriteLine($"10 bufferList bytes: {Encoding.ASCII.GetString(bl2.BufferList![0].Array!, 0, 1)}|{Encoding.ASCII.GetString(bl2.BufferList![1].Array!, 0, 3)}");
    // 11. peek, zero-byte receives, receiveAsync on a bound socket
    A.SendTo(Encoding.ASCII.GetBytes("peek"), fEp);
    Thread.Sleep(100);
    var pk = Args(new byte[16], 16, any); pk.SocketFlags = SocketFlags.Peek;
    await Run(F.ReceiveFromAsync, pk, "11 receiveFromAsync Peek", a, b);
    Console.WriteLine($"11 Peek flags {pk.SocketFlags}");
    await Run(F.ReceiveFromAsync, Args(new byte[16], 0, any), "11 receiveFromAsync count 0", a, b);
    Console.WriteLine($"11 F.Available {F.Available}");
    A.SendTo(Encoding.ASCII.GetBytes("xyz"), fEp);
    Thread.Sleep(100);
    await Run(F.ReceiveAsync, Args(new byte[16], 16, null), "11 receiveAsync bound, unconnected", a, b);
    // 12. a connected datagram socket
    var G = Bound(); var gEp = (IPEndPoint)G.LocalEndPoint!;
    await Run(G.ConnectAsync, Args(new byte[0], 0, bEp2(fEp)), "12 G.connectAsync F", a, b);
    A.SendTo(Encoding.ASCII.GetBytes("not F"), gEp);
    F.SendTo(Encoding.ASCII.GetBytes("from F"), gEp);
    Thread.Sleep(100);
    await Run(G.ReceiveFromAsync, Args(new byte[16], 16, any), "12 G.receiveFromAsync (only F's)", a, b);
    await Run(G.SendToAsync, Args(Encoding.ASCII.GetBytes("to A"), 4, new IPEndPoint(IPAddress.Loopback, a)), "12 G.sendToAsync another peer", a, b);
    Thread.Sleep(100);
    Console.WriteLine($"12 A.Available {A.Available}");
    await Run(G.ConnectAsync, Args(new byte[0], 0, new IPEndPoint(IPAddress.Loopback, a)), "12 G.connectAsync again", a, b);
    Console.WriteLine($"12 G.RemoteEndPoint {Ep(G.RemoteEndPoint, a, b)}");
    await Run(G.DisconnectAsync, new SocketAsyncEventArgs(), "12 G.disconnectAsync", a, b);
    Console.WriteLine($"12 G.Connected {G.Connected}, RemoteEndPoint {Ep(G.RemoteEndPoint, a, b)}");
    Try("12 G.shutdown(Send)", () => { G.Shutdown(SocketShutdown.Send); return null; });
    await Run(G.SendAsync, Args(new byte[1], 1, null), "12 G.sendAsync after shutdown(Send)", a, b);
    // 12b. shutdown on an unconnected datagram socket: Linux refuses it, and shuts down all the same
    var H = Bound();
    Try("12b H.shutdown(Both) unconnected", () => { H.Shutdown(SocketShutdown.Both); return null; });
    await Run(H.SendToAsync, Args(new byte[1], 1, new IPEndPoint(IPAddress.Loopback, a)), "12b H.sendToAsync after", a, b);
    var r12h = Run(H.ReceiveFromAsync, Args(new byte[4], 4, any), "12b H.receiveFromAsync after (waits until closed)", a, b);
    Thread.Sleep(50);
    H.Close();
    await r12h;
    var K = Bound();
    Try("12b K.shutdown(Receive) unconnected", () => { K.Shutdown(SocketShutdown.Receive); return null; });
    await Run(K.SendToAsync, Args(new byte[1], 1, new IPEndPoint(IPAddress.Loopback, a)), "12b K.sendToAsync after", a, b);
    var r12k = Run(K.ReceiveFromAsync, Args(new byte[4], 4, any), "12b K.receiveFromAsync after (waits until closed)", a, b);
    Thread.Sleep(50);
    K.Close();
    await r12k;
    // 12c. disconnect never connected; connect by name
    var M = Bound();
    await Run(M.DisconnectAsync, new SocketAsyncEventArgs(), "12c M.disconnectAsync never connected", a, b);
    await Run(M.ConnectAsync, Args(new byte[0], 0, new DnsEndPoint("localhost", a)), "12c M.connectAsync DnsEndPoint", a, b);
    Console.WriteLine($"12c M.Connected {M.Connected}, RemoteEndPoint {Ep(M.RemoteEndPoint, a, b)}");
    var N = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    await Run(N.ConnectAsync, Args(new byte[0], 0, new DnsEndPoint("localhost", a)), "12c unbound N.connectAsync DnsEndPoint", a, b);
    Console.WriteLine($"12c N.Connected {N.Connected}, RemoteEndPoint {Ep(N.RemoteEndPoint, a, b)}");
    // 13. IPv6
    var X = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp); X.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
    var Y = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp); Y.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
    await Run(X.SendToAsync, Args(Encoding.ASCII.GetBytes("six"), 3, Y.LocalEndPoint), "13 [::1] sendToAsync", a, b);
    Thread.Sleep(100);
    var r13 = await Run(Y.ReceiveFromAsync, Args(new byte[16], 16, new IPEndPoint(IPAddress.IPv6Any, 0)), "13 [::1] receiveFromAsync", a, b);
    Console.WriteLine($"13 from X: {((IPEndPoint)r13.RemoteEndPoint!).Port == ((IPEndPoint)X.LocalEndPoint!).Port}");
  }
  static EndPoint bEp2(IPEndPoint ep) => ep;
  static Socket Bound() { var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp); s.Bind(new IPEndPoint(IPAddress.Loopback, 0)); return s; }
  static void Make(string name, Func<Socket> make) { try { var s = make(); Console.WriteLine($"{name}: {s.SocketType} {s.ProtocolType}"); s.Close(); } catch (SocketException ex) { Console.WriteLine($"{name}: throws SocketException {ex.SocketErrorCode}"); } catch (Exception ex) { Console.WriteLine($"{name}: throws {ex.GetType().Name}"); } }
  static void Try(string name, Func<object?> f) { try { var r = f(); Console.WriteLine($"{name}: {(r is bool x ? x.ToString().ToLower() : r?.ToString() ?? "ok")}"); } catch (SocketException ex) { Console.WriteLine($"{name}: throws SocketException {ex.SocketErrorCode}"); } catch (Exception ex) { Console.WriteLine($"{name}: throws {ex.GetType().Name}"); } }
}
