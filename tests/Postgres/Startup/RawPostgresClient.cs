using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace TicketGate.Tests.Postgres.Startup;

/// <summary>
/// A PostgreSQL client made of hand-built bytes over a plain socket (optionally upgraded to TLS), for start-up sequences and
/// malformed input no real driver would send.
/// </summary>
internal sealed class RawPostgresClient : IAsyncDisposable
{
    public const int SslRequestCode = 80877103;
    public const int GssEncRequestCode = 80877104;
    public const int CancelRequestCode = 80877102;
    public const int Protocol30 = 3 << 16;

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private readonly TcpClient _tcp;
    private Stream _stream;

    private RawPostgresClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public bool IsTls => _stream is SslStream;

    public static async Task<RawPostgresClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        return new RawPostgresClient(tcp);
    }

    /// <summary>A start-up packet: length, code, then <paramref name="body"/>.</summary>
    public static byte[] Packet(int code, ReadOnlySpan<byte> body = default)
    {
        var packet = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(packet, packet.Length);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(4), code);
        body.CopyTo(packet.AsSpan(8));
        return packet;
    }

    /// <summary>A StartupMessage for <paramref name="version"/> with these parameters (user and database included by the caller).</summary>
    public static byte[] Startup(int version, params (string Name, string Value)[] parameters)
    {
        var body = new MemoryStream();
        foreach (var (name, value) in parameters)
        {
            body.Write(Encoding.UTF8.GetBytes(name));
            body.WriteByte(0);
            body.Write(Encoding.UTF8.GetBytes(value));
            body.WriteByte(0);
        }
        body.WriteByte(0);
        return Packet(version, body.ToArray());
    }

    public static byte[] CancelRequest(int processId, int secretKey)
    {
        var body = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(body, processId);
        BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(4), secretKey);
        return Packet(CancelRequestCode, body);
    }

    /// <summary>A typed message whose length field is what the body makes it, unless <paramref name="declaredLength"/> says otherwise.</summary>
    public static byte[] Message(char code, ReadOnlySpan<byte> body, int? declaredLength = null)
    {
        var message = new byte[5 + body.Length];
        message[0] = (byte)code;
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), declaredLength ?? 4 + body.Length);
        body.CopyTo(message.AsSpan(5));
        return message;
    }

    public static byte[] Password(string password) => Message('p', CString(password));

    public static byte[] Query(string sql) => Message('Q', CString(sql));

    public static byte[] CString(string value) => [.. Encoding.UTF8.GetBytes(value), 0];

    public async Task SendAsync(params byte[][] pieces)
    {
        var all = new MemoryStream();
        foreach (var piece in pieces) all.Write(piece);
        await _stream.WriteAsync(all.ToArray());
        await _stream.FlushAsync();
    }

    /// <summary>One byte (the answer to SSLRequest/GSSENCRequest), or -1 when the server closed.</summary>
    public async Task<int> ReadByteAsync()
    {
        var one = new byte[1];
        var read = await ReadSomeAsync(one);
        return read == 0 ? -1 : one[0];
    }

    /// <summary>The next typed message, or null when the server closed the connection (or reset it).</summary>
    public async Task<BackendMessage?> ReadMessageAsync()
    {
        var header = new byte[5];
        if (!await ReadExactlyAsync(header)) return null;
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        var body = new byte[length - 4];
        if (!await ReadExactlyAsync(body)) return null;
        return new BackendMessage((char)header[0], body);
    }

    /// <summary>Reads messages until one with <paramref name="code"/> (returned), or the connection ends (null).</summary>
    public async Task<BackendMessage?> ReadUntilAsync(char code)
    {
        while (await ReadMessageAsync() is { } message)
        {
            if (message.Code == code) return message;
            if (message.Code == 'E' && code != 'E') return message;
        }
        return null;
    }

    /// <summary>True when the server closed without sending anything more.</summary>
    public async Task<bool> IsClosedAsync()
    {
        var scratch = new byte[1];
        return await ReadSomeAsync(scratch) == 0;
    }

    /// <summary>Sends SSLRequest, expects 'S' and runs the TLS handshake, trusting only <paramref name="caFile"/>.</summary>
    public async Task NegotiateTlsAsync(string caFile)
    {
        await SendAsync(Packet(SslRequestCode));
        var answer = await ReadByteAsync();
        if (answer != 'S') throw new InvalidOperationException($"expected 'S' to the SSLRequest, got {answer}");
        await StartTlsAsync(caFile);
    }

    /// <summary>Runs a TLS handshake right away (after 'S', or as PostgreSQL 17's direct TLS with ALPN "postgresql").</summary>
    public Task<SslStream> StartTlsAsync(string caFile, bool alpn = false) => StartTlsAsync(caFile, alpn ? "postgresql" : null);

    /// <summary>Runs a TLS handshake right away, offering <paramref name="alpn"/> as the application protocol when given.</summary>
    public async Task<SslStream> StartTlsAsync(string caFile, string? alpn)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { ca },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        };
        if (alpn is not null) options.ApplicationProtocols = [new SslApplicationProtocol(alpn)];
        await tls.AuthenticateAsClientAsync(options).WaitAsync(ReadTimeout);
        _stream = tls;
        return tls;
    }

    /// <summary>
    /// Sends a 3.0 StartupMessage for the test connection and the token, and reads up to ReadyForQuery. Returns every message
    /// after the password request (BackendKeyData, ParameterStatus…), or throws with the server's error.
    /// </summary>
    public async Task<List<BackendMessage>> LogInAsync(string token, string database = "app", int version = Protocol30, params (string, string)[] extra)
    {
        await SendAsync(Startup(version, [("user", "agent-7"), ("database", database), .. extra]));
        var received = new List<BackendMessage>();
        while (await ReadMessageAsync() is { } message)
        {
            if (message.Code == 'R' && message.AuthenticationCode == 3)
            {
                await SendAsync(Password(token));
                continue;
            }
            received.Add(message);
            if (message.Code == 'E') throw new InvalidOperationException("log-in failed: " + message.Describe());
            if (message.Code == 'Z') return received;
        }
        throw new InvalidOperationException("the server closed the connection during log-in");
    }

    /// <summary>Runs a simple query and returns the first column of the first row (or the error).</summary>
    public async Task<string?> ScalarAsync(string sql)
    {
        await SendAsync(Query(sql));
        string? value = null;
        while (await ReadMessageAsync() is { } message)
        {
            if (message.Code == 'D' && value is null)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(message.Body.AsSpan(2));
                value = length < 0 ? null : Encoding.UTF8.GetString(message.Body, 6, length);
            }
            if (message.Code == 'E') throw new InvalidOperationException("query failed: " + message.Describe());
            if (message.Code == 'Z') return value;
        }
        throw new InvalidOperationException("the server closed the connection during a query");
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await ReadSomeAsync(buffer.AsMemory(filled));
            if (read == 0) return false;
            filled += read;
        }
        return true;
    }

    private async Task<int> ReadSomeAsync(Memory<byte> buffer)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        try
        {
            return await _stream.ReadAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            // A reset counts as closed: the server hung up.
            return 0;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"the server neither answered nor closed within {ReadTimeout.TotalSeconds:0}s");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

/// <summary>A backend message as received: its code and body.</summary>
internal sealed record BackendMessage(char Code, byte[] Body)
{
    public int AuthenticationCode => Code == 'R' ? BinaryPrimitives.ReadInt32BigEndian(Body) : -1;

    /// <summary>The fields of an ErrorResponse or NoticeResponse by their code letter (S, C, M, D, H…).</summary>
    public Dictionary<char, string> Fields()
    {
        var fields = new Dictionary<char, string>();
        var pos = 0;
        while (pos < Body.Length && Body[pos] != 0)
        {
            var type = (char)Body[pos++];
            var end = Array.IndexOf(Body, (byte)0, pos);
            fields[type] = Encoding.UTF8.GetString(Body, pos, end - pos);
            pos = end + 1;
        }
        return fields;
    }

    public string SqlState => Fields().GetValueOrDefault('C', "");

    public string Text => Fields().GetValueOrDefault('M', "");

    public string Describe() => Code == 'E' || Code == 'N'
        ? string.Join(" | ", Fields().Select(f => $"{f.Key}={f.Value}"))
        : $"'{Code}' ({Body.Length} bytes)";
}
