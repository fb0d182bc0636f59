using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres;

/// <summary>One backend message as the client received it.</summary>
public sealed record WireMessage(char Code, byte[] Body)
{
    /// <summary>A field of an ErrorResponse or NoticeResponse ('C' SQLSTATE, 'M' message).</summary>
    public string? Field(char field)
    {
        var pos = 0;
        while (pos < Body.Length && Body[pos] != 0)
        {
            var end = Array.IndexOf(Body, (byte)0, pos + 1);
            if (Body[pos] == field) return Encoding.UTF8.GetString(Body, pos + 1, end - pos - 1);
            pos = end + 1;
        }
        return null;
    }

    /// <summary>The tag of a CommandComplete.</summary>
    public string Tag => Encoding.UTF8.GetString(Body, 0, Body.Length - 1);

    /// <summary>The columns of a DataRow as text (null for NULL).</summary>
    public string?[] Columns()
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(Body);
        var values = new string?[count];
        var pos = 2;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(Body.AsSpan(pos));
            pos += 4;
            if (length < 0) continue;
            values[i] = Encoding.UTF8.GetString(Body, pos, length);
            pos += length;
        }
        return values;
    }
}

/// <summary>
/// A PostgreSQL v3 client that writes protocol messages exactly as the test composes them (several Sync groups in one write,
/// named portals, a Parse in one group and its Execute in another), for what Npgsql and psql never send on their own.
/// </summary>
public sealed class WireClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _stream;
    private readonly MemoryStream _pending = new();

    private WireClient(TcpClient tcp, SslStream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public static async Task<WireClient> ConnectAsync(GatewayFixture gateway, string? token = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", gateway.PostgresPort);
        var network = tcp.GetStream();
        var sslRequest = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(sslRequest, 8);
        BinaryPrimitives.WriteInt32BigEndian(sslRequest.AsSpan(4), 80877103);
        await network.WriteAsync(sslRequest);
        var answer = new byte[1];
        await network.ReadExactlyAsync(answer);
        if (answer[0] != (byte)'S') throw new InvalidOperationException("the gateway refused TLS");

        using var ca = X509CertificateLoader.LoadCertificateFromFile(gateway.CaFile);
        var trusted = new X509Certificate2Collection(X509CertificateLoader.LoadCertificate(ca.RawData));
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { trusted[0] },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        });
        var client = new WireClient(tcp, ssl);
        await client.StartAsync(token ?? gateway.Token());
        return client;
    }

    private async Task StartAsync(string token)
    {
        var body = new MemoryStream();
        Span<byte> version = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(version, 196608);
        body.Write(version);
        foreach (var (key, value) in new[] { ("user", "agent-7"), ("database", GatewayFixture.Connection) })
        {
            body.Write(Encoding.UTF8.GetBytes(key + "\0" + value + "\0"));
        }
        body.WriteByte(0);
        var startup = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(startup, startup.Length);
        body.ToArray().CopyTo(startup, 4);
        await _stream.WriteAsync(startup);

        var auth = await ReadAsync();
        if (auth.Code != 'R' || BinaryPrimitives.ReadInt32BigEndian(auth.Body) != 3)
        {
            throw new InvalidOperationException($"expected a cleartext password request, got '{auth.Code}'");
        }
        Add('p', Encoding.UTF8.GetBytes(token + "\0"));
        await SendAsync();
        var messages = await ReadUntilReadyAsync();
        if (messages.Find(m => m.Code == 'E') is { } error) throw new InvalidOperationException("login failed: " + error.Field('M'));
    }

    public WireClient Parse(string statement, string sql)
    {
        Add('P', Concat(CString(statement), CString(sql), [0, 0]));
        return this;
    }

    /// <summary>Binds text parameters (null for NULL) to a portal.</summary>
    public WireClient Bind(string portal, string statement, params string?[] parameters)
    {
        var body = new MemoryStream();
        body.Write(CString(portal));
        body.Write(CString(statement));
        body.Write([0, 0]);
        body.Write(Int16(parameters.Length));
        foreach (var p in parameters)
        {
            if (p is null)
            {
                body.Write(Int32(-1));
                continue;
            }
            var bytes = Encoding.UTF8.GetBytes(p);
            body.Write(Int32(bytes.Length));
            body.Write(bytes);
        }
        body.Write([0, 0]);
        Add('B', body.ToArray());
        return this;
    }

    public WireClient Describe(char kind, string name)
    {
        Add('D', Concat([(byte)kind], CString(name)));
        return this;
    }

    public WireClient Execute(string portal = "", int maxRows = 0)
    {
        Add('E', Concat(CString(portal), Int32(maxRows)));
        return this;
    }

    public WireClient Close(char kind, string name)
    {
        Add('C', Concat([(byte)kind], CString(name)));
        return this;
    }

    public WireClient Sync()
    {
        Add('S', []);
        return this;
    }

    public WireClient Flush()
    {
        Add('H', []);
        return this;
    }

    public WireClient Query(string sql)
    {
        Add('Q', CString(sql));
        return this;
    }

    /// <summary>Writes every message added so far in one write.</summary>
    public async Task SendAsync()
    {
        var bytes = _pending.ToArray();
        _pending.SetLength(0);
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task<WireMessage> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var header = new byte[5];
        await _stream.ReadExactlyAsync(header, cts.Token);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await _stream.ReadExactlyAsync(body, cts.Token);
        return new WireMessage((char)header[0], body);
    }

    /// <summary>Reads messages through the next ReadyForQuery (included).</summary>
    public async Task<List<WireMessage>> ReadUntilReadyAsync(TimeSpan? timeout = null)
    {
        var messages = new List<WireMessage>();
        while (true)
        {
            var message = await ReadAsync(timeout);
            messages.Add(message);
            if (message.Code == 'Z') return messages;
        }
    }

    private void Add(char code, byte[] body)
    {
        _pending.WriteByte((byte)code);
        _pending.Write(Int32(body.Length + 4));
        _pending.Write(body);
    }

    private static byte[] CString(string s) => Encoding.UTF8.GetBytes(s + "\0");

    private static byte[] Int16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, (short)value);
        return bytes;
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        var pos = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all, pos);
            pos += part.Length;
        }
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Add('X', []);
            await SendAsync();
        }
        catch (IOException)
        {
            // The gateway already closed the connection.
        }
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
