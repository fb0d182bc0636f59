using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Postgres.Messages;
using TicketGate.Proxy.Postgres.Tls;

namespace TicketGate.Proxy.Postgres.Upstream;

/// <summary>Opens and authenticates connections to a catalog connection's database, as an ordinary PostgreSQL client would.</summary>
internal sealed class UpstreamConnector : IDisposable
{
    private readonly SocketConnectionContextFactory _sockets = new(new SocketConnectionFactoryOptions { UnsafePreferInlineScheduling = true }, NullLogger.Instance);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public async Task<UpstreamConnection> ConnectAsync(
        ConnectionDefinition connection, IReadOnlyList<KeyValuePair<string, string>> clientParameters, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        var where = $"{connection.Host}:{connection.Port}";
        UpstreamConnection? upstream = null;
        try
        {
            upstream = await OpenTransportAsync(connection, timeout.Token).ConfigureAwait(false);
            await AuthenticateAsync(upstream, connection, clientParameters, timeout.Token).ConfigureAwait(false);
            return upstream;
        }
        // Cancellation by the caller (shutdown, the client's start-up deadline) is the caller's to report, not an unreachable database.
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or UpstreamAuthenticationException or UpstreamRefusedException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            if (upstream is not null) await upstream.DisposeAsync().ConfigureAwait(false);
            var reason = e switch
            {
                OperationCanceledException => $"no answer within {ConnectTimeout.TotalSeconds:0}s",
                SocketException s => s.Message,
                _ => e.Message,
            };
            throw new UpstreamUnavailableException($"TicketGate could not connect to the database of connection \"{connection.Name}\" at {where}: {reason}", e);
        }
        catch
        {
            // The secret could not be read (or anything else went wrong) half-way through authentication: hang up now rather
            // than leave the server holding a connection slot until its authentication_timeout.
            if (upstream is not null) await upstream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<UpstreamConnection> OpenTransportAsync(ConnectionDefinition connection, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(connection.Host, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(connection.Host, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var endPoint = new IPEndPoint(address, connection.Port);
            try
            {
                await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
                continue;
            }

            if (string.Equals(connection.SslMode, "disable", StringComparison.OrdinalIgnoreCase))
            {
                var context = _sockets.Create(socket);
                return new UpstreamConnection(context.Transport, () => context.DisposeAsync(), endPoint);
            }
            return await NegotiateTlsAsync(socket, endPoint, connection, cancellationToken).ConfigureAwait(false);
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private async Task<UpstreamConnection> NegotiateTlsAsync(Socket socket, IPEndPoint endPoint, ConnectionDefinition connection, CancellationToken cancellationToken)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        var request = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(request, 8);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), StartupCode.SslRequest);
        await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = new byte[1];
        if (await stream.ReadAsync(answer, cancellationToken).ConfigureAwait(false) != 1) throw new IOException("the upstream closed the connection during the TLS request");

        if (answer[0] == (byte)'S')
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, errors) =>
                // require/prefer encrypt without verifying, as libpq does; verify-full checks the chain and name.
                !string.Equals(connection.SslMode, "verify-full", StringComparison.OrdinalIgnoreCase) || errors == SslPolicyErrors.None);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = connection.Host }, cancellationToken).ConfigureAwait(false);
            var pipe = new StreamDuplexPipe(tls);
            return new UpstreamConnection(pipe, () => pipe.DisposeAsync(), endPoint);
        }
        if (string.Equals(connection.SslMode, "prefer", StringComparison.OrdinalIgnoreCase))
        {
            var context = _sockets.Create(socket);
            return new UpstreamConnection(context.Transport, () => context.DisposeAsync(), endPoint);
        }
        await stream.DisposeAsync().ConfigureAwait(false);
        throw new UpstreamRefusedException($"the server does not accept TLS, and the connection's ssl_mode is {connection.SslMode}");
    }

    private static async Task AuthenticateAsync(
        UpstreamConnection upstream, ConnectionDefinition connection, IReadOnlyList<KeyValuePair<string, string>> clientParameters, CancellationToken cancellationToken)
    {
        var output = upstream.Transport.Output;
        var parameters = new List<KeyValuePair<string, string>>(clientParameters.Count + 2)
        {
            new("user", connection.User),
            new("database", connection.Database),
        };
        parameters.AddRange(clientParameters);
        FrontendMessages.WriteStartup(output, parameters);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        ScramSha256Client? scram = null;
        while (true)
        {
            var (code, body) = await ReadMessageAsync(upstream.Transport.Input, cancellationToken).ConfigureAwait(false);
            switch (code)
            {
                case BackendCode.Authentication:
                    var kind = BinaryPrimitives.ReadInt32BigEndian(body);
                    switch (kind)
                    {
                        case 0:
                            break;
                        case 3:
                            FrontendMessages.WriteMessage(output, FrontendCode.Password, CString(connection.Password.Read()));
                            break;
                        case 5:
                            FrontendMessages.WriteMessage(output, FrontendCode.Password, CString(Md5Password(connection.User, connection.Password.Read(), body.AsSpan(4, 4))));
                            break;
                        case 10:
                            if (!Encoding.UTF8.GetString(body, 4, body.Length - 4).Split('\0').Contains(ScramSha256Client.Mechanism))
                            {
                                throw new UpstreamAuthenticationException("the upstream offers no SASL mechanism TicketGate supports (SCRAM-SHA-256)");
                            }
                            scram = new ScramSha256Client(connection.Password.Read());
                            var first = scram.ClientFirstMessage();
                            var mechanism = Encoding.ASCII.GetBytes(ScramSha256Client.Mechanism);
                            var initial = new byte[mechanism.Length + 1 + 4 + first.Length];
                            mechanism.CopyTo(initial, 0);
                            BinaryPrimitives.WriteInt32BigEndian(initial.AsSpan(mechanism.Length + 1), first.Length);
                            first.CopyTo(initial, mechanism.Length + 5);
                            FrontendMessages.WriteMessage(output, FrontendCode.Password, initial);
                            break;
                        case 11 when scram is not null:
                            FrontendMessages.WriteMessage(output, FrontendCode.Password, scram.ClientFinalMessage(body.AsSpan(4)));
                            break;
                        case 12 when scram is not null:
                            scram.VerifyServerFinal(body.AsSpan(4));
                            break;
                        default:
                            throw new UpstreamAuthenticationException($"the upstream asks for an authentication method TicketGate doesn't support (code {kind})");
                    }
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case BackendCode.ParameterStatus:
                    upstream.ParameterStatusMessages.Add(Whole(code, body));
                    break;
                case BackendCode.BackendKeyData:
                    upstream.HasBackendKey = true;
                    upstream.ProcessId = BinaryPrimitives.ReadInt32BigEndian(body);
                    upstream.SecretKey = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(4));
                    break;
                case BackendCode.ReadyForQuery:
                    return;
                case BackendCode.ErrorResponse:
                    // A refused login says which upstream role TicketGate uses: keep that for the log, not for the agent.
                    var state = ErrorFields.Get(body, (byte)'C');
                    throw new UpstreamRefusedException(state is "28P01" or "28000"
                        ? "the database refused TicketGate's credentials for this connection; an administrator must check them"
                        : ErrorFields.Describe(body), ErrorFields.Describe(body));
                case BackendCode.NoticeResponse:
                case BackendCode.NegotiateProtocolVersion:
                    break;
                default:
                    throw new UpstreamRefusedException($"unexpected message '{(char)code}' during start-up");
            }
        }
    }

    private static byte[] Whole(byte code, byte[] body)
    {
        var whole = new byte[5 + body.Length];
        whole[0] = code;
        BinaryPrimitives.WriteInt32BigEndian(whole.AsSpan(1), 4 + body.Length);
        body.CopyTo(whole, 5);
        return whole;
    }

    private static byte[] CString(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    private static string Md5Password(string user, string password, ReadOnlySpan<byte> salt)
    {
        var inner = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(password + user)));
        var outerInput = new byte[inner.Length + 4];
        Encoding.ASCII.GetBytes(inner, outerInput);
        salt.CopyTo(outerInput.AsSpan(inner.Length));
        return "md5" + Convert.ToHexStringLower(MD5.HashData(outerInput));
    }

    /// <summary>Reads one whole typed message during start-up (allocates; start-up is not the hot path).</summary>
    internal static async ValueTask<(byte Code, byte[] Body)> ReadMessageAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (MessageFraming.TryReadHeader(buffer, out var code, out var total))
            {
                if (total < 5 || total > 1024 * 1024) throw new UpstreamRefusedException("the upstream sent a malformed message");
                if (buffer.Length >= total)
                {
                    var body = buffer.Slice(5, total - 5).ToArray();
                    reader.AdvanceTo(buffer.GetPosition(total));
                    return (code, body);
                }
            }
            if (result.IsCompleted) throw new IOException("the upstream closed the connection");
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public void Dispose() => _sockets.Dispose();
}

public sealed class UpstreamUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class UpstreamRefusedException(string message, string? detailForLog = null) : Exception(message)
{
    /// <summary>The upstream's own words, which may name the upstream role: for TicketGate's log only.</summary>
    public string DetailForLog { get; } = detailForLog ?? message;
}
