using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Masking;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Postgres.Cancel;
using TicketGate.Proxy.Postgres.Messages;
using TicketGate.Proxy.Postgres.Session;
using TicketGate.Proxy.Postgres.Startup;
using TicketGate.Proxy.Postgres.Tls;
using TicketGate.Proxy.Postgres.Upstream;
using TicketGate.Proxy.Recording;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Postgres;

/// <summary>
/// The PostgreSQL listener: negotiates TLS, takes the agent's token as its password, validates it, opens the upstream with the
/// connection's hidden credentials and then runs a <see cref="PostgresSession"/>.
/// </summary>
internal sealed partial class PostgresGateway : ConnectionHandler, IDisposable
{
    private static readonly SslApplicationProtocol PostgresAlpn = new("postgresql");
    private readonly X509Certificate2? _certificate;
    private readonly IHostApplicationLifetime _lifetime;

    public PostgresGateway(TicketGateOptions options, ITokenValidator tokens, SqlClassifier classifier, ClassificationCache classificationCache,
        PolicyEvaluator policy, IApprovalGate approvalGate, AuditLog audit, RecordingLog recording, ILogger<PostgresGateway> logger, IHostApplicationLifetime lifetime,
        X509Certificate2? certificate)
    {
        Options = options;
        Tokens = tokens;
        Classifier = classifier;
        ClassificationCache = classificationCache;
        Policy = policy;
        ApprovalGate = approvalGate;
        Audit = audit;
        Recording = recording;
        Logger = logger;
        _lifetime = lifetime;
        _certificate = certificate;
        Masking = new MaskingPolicies(options);
    }

    public TicketGateOptions Options { get; }
    public ITokenValidator Tokens { get; }
    public SqlClassifier Classifier { get; }
    public ClassificationCache ClassificationCache { get; }
    public PolicyEvaluator Policy { get; }
    public IApprovalGate ApprovalGate { get; }
    public AuditLog Audit { get; }
    public RecordingLog Recording { get; }
    public ILogger Logger { get; }
    public CancelKeyRegistry CancelKeys { get; } = new();
    public UpstreamConnector Upstreams { get; } = new();
    public MaskingPolicies Masking { get; }

    public int ActiveSessions => CancelKeys.Count;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var shutdown = _lifetime.ApplicationStopping;
        IDuplexPipe transport = connection.Transport;
        TlsClientTransport? tls = null;
        UpstreamConnection? upstream = null;
        try
        {
            using var startupTimeout = CancellationTokenSource.CreateLinkedTokenSource(shutdown, connection.ConnectionClosed);
            startupTimeout.CancelAfter(Options.Postgres.StartupTimeout);
            var token = startupTimeout.Token;

            if (_certificate is not null && await StartupPacket.PeekFirstByteAsync(transport.Input, token).ConfigureAwait(false) == 0x16)
            {
                tls = await StartTlsAsync(transport, token).ConfigureAwait(false);
                transport = tls;
                // As PostgreSQL 17 does: direct TLS without ALPN may be a TLS connection meant for another server, replayed here.
                if (tls.ApplicationProtocol != PostgresAlpn)
                {
                    await FatalAsync(transport, SqlState.ProtocolViolation,
                        "direct TLS connections must negotiate the ALPN protocol \"postgresql\"",
                        hint: "Use a client that sends ALPN with sslnegotiation=direct (libpq 17 or later), or send an SSLRequest first.").ConfigureAwait(false);
                    return;
                }
            }

            Dictionary<string, string>? parameters = null;
            var sslAnswered = tls is not null;
            var gssAnswered = false;
            while (parameters is null)
            {
                var (packet, bufferedAfter) = await StartupPacket.ReadAsync(transport.Input, token).ConfigureAwait(false);
                if (packet is not { } p) return;
                switch (p.Code)
                {
                    case StartupCode.SslRequest when !sslAnswered:
                        sslAnswered = true;
                        if (_certificate is null)
                        {
                            await WriteByteAsync(transport, (byte)'N', token).ConfigureAwait(false);
                            break;
                        }
                        // Bytes already sent after the SSLRequest would be read as if they came through TLS (CVE-2021-23214): refuse.
                        if (bufferedAfter > 0)
                        {
                            Log.PlaintextAfterSslRequest(Logger, connection.RemoteEndPoint?.ToString() ?? "?");
                            return;
                        }
                        await WriteByteAsync(transport, (byte)'S', token).ConfigureAwait(false);
                        tls = await StartTlsAsync(transport, token).ConfigureAwait(false);
                        transport = tls;
                        break;
                    case StartupCode.GssEncRequest when !gssAnswered && tls is null:
                        gssAnswered = true;
                        await WriteByteAsync(transport, (byte)'N', token).ConfigureAwait(false);
                        break;
                    case StartupCode.CancelRequest when p.Body.Length >= 8:
                        CancelKeys.Cancel(BinaryPrimitives.ReadInt32BigEndian(p.Body), BinaryPrimitives.ReadInt32BigEndian(p.Body.AsSpan(4)));
                        return;
                    case StartupCode.Protocol30:
                    case StartupCode.Protocol32:
                    case > StartupCode.Protocol30 and < 0x40000:
                        parameters = p.ReadParameters();
                        await NegotiateVersionAsync(transport, p.Code, parameters, token).ConfigureAwait(false);
                        break;
                    case StartupCode.SslRequest or StartupCode.GssEncRequest:
                        await FatalAsync(transport, SqlState.ProtocolViolation, "encryption was already negotiated on this connection").ConfigureAwait(false);
                        return;
                    default:
                        await FatalAsync(transport, SqlState.FeatureNotSupported,
                            $"unsupported frontend protocol {p.Code >> 16}.{p.Code & 0xFFFF}: TicketGate speaks protocol 3.0").ConfigureAwait(false);
                        return;
                }
            }

            var admitted = await AdmitAsync(transport, tls is not null, parameters, token).ConfigureAwait(false);
            if (admitted is null) return;
            var (identity, target, forwarded) = admitted.Value;

            try
            {
                upstream = await Upstreams.ConnectAsync(target, forwarded, token).ConfigureAwait(false);
            }
            catch (UpstreamUnavailableException e)
            {
                Log.UpstreamUnavailable(Logger, target.Name, e.InnerException is UpstreamRefusedException refused ? refused.DetailForLog : e.Message);
                await FatalAsync(transport, SqlState.ConnectionFailure, e.Message).ConfigureAwait(false);
                return;
            }
            catch (SecretUnavailableException e)
            {
                Log.UpstreamUnavailable(Logger, target.Name, e.Message);
                await FatalAsync(transport, SqlState.ConnectionFailure,
                    $"TicketGate could not read the credentials of connection \"{target.Name}\"; an administrator must fix its configuration").ConfigureAwait(false);
                return;
            }

            var groups = identity.Groups as string[] ?? [.. identity.Groups];
            var session = new PostgresSession(this, transport, upstream, identity, target, groups);
            var (processId, secretKey) = CancelKeys.Register(session);
            try
            {
                BackendMessages.WriteAuthentication(transport.Output, 0);
                foreach (var status in upstream.ParameterStatusMessages) BackendMessages.WriteRaw(transport.Output, status);
                // An upstream that gives no cancel key (some poolers don't) gets none passed on: an empty key breaks clients.
                if (upstream.HasBackendKey) BackendMessages.WriteBackendKeyData(transport.Output, processId, secretKey);
                BackendMessages.WriteReadyForQuery(transport.Output, (byte)'I');
                await transport.Output.FlushAsync(token).ConfigureAwait(false);
                Log.SessionStarted(Logger, session.Id, identity.Subject, target.Name, tls is not null);
                await session.RunAsync(shutdown).ConfigureAwait(false);
                Log.SessionEnded(Logger, session.Id);
            }
            finally
            {
                CancelKeys.Unregister(processId, secretKey);
                await session.DisposeAsync().ConfigureAwait(false);
                upstream = null;
            }
        }
        catch (StartupViolation e)
        {
            await FatalAsync(transport, SqlState.ProtocolViolation, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested && !connection.ConnectionClosed.IsCancellationRequested)
        {
            await FatalAsync(transport, SqlState.AdminShutdown, "TicketGate is shutting down").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested && !connection.ConnectionClosed.IsCancellationRequested)
        {
            await FatalAsync(transport, SqlState.ProtocolViolation,
                $"start-up and authentication did not finish within {Options.Postgres.StartupTimeout.TotalSeconds:0}s").ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or AuthenticationException or ConnectionResetException or ObjectDisposedException)
        {
            Log.ConnectionEnded(Logger, connection.RemoteEndPoint?.ToString() ?? "?", e.Message);
        }
        finally
        {
            if (upstream is not null) await upstream.DisposeAsync().ConfigureAwait(false);
            if (tls is not null) await tls.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<TlsClientTransport> StartTlsAsync(IDuplexPipe transport, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(new DuplexPipeStream(transport), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = _certificate,
            ApplicationProtocols = [PostgresAlpn],
            ClientCertificateRequired = false,
        }, cancellationToken).ConfigureAwait(false);
        return new TlsClientTransport(ssl, Options.Postgres.MaxMessageBytes);
    }

    /// <summary>Protocol 3.2 (or _pq_ options) get a NegotiateProtocolVersion: we speak 3.0 and ignore those options.</summary>
    private static async Task NegotiateVersionAsync(IDuplexPipe transport, int code, Dictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        List<string>? ignored = null;
        foreach (var name in parameters.Keys)
        {
            if (name.StartsWith("_pq_.", StringComparison.Ordinal)) (ignored ??= []).Add(name);
        }
        if (code == StartupCode.Protocol30 && ignored is null) return;
        if (ignored is not null) foreach (var name in ignored) parameters.Remove(name);
        BackendMessages.WriteNegotiateProtocolVersion(transport.Output, 0, ignored ?? []);
        await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteByteAsync(IDuplexPipe transport, byte value, CancellationToken cancellationToken)
    {
        transport.Output.GetSpan(1)[0] = value;
        transport.Output.Advance(1);
        await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static async Task FatalAsync(IDuplexPipe transport, string sqlState, string message, string? detail = null, string? hint = null)
    {
        try
        {
            BackendMessages.WriteErrorResponse(transport.Output, new ServerNotice("FATAL", sqlState, message, detail, hint));
            await transport.Output.FlushAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
            // The client is gone before it could hear why.
        }
    }

    public void Dispose()
    {
        Upstreams.Dispose();
        Masking.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static string Describe(string? value) => value is null ? "(none)" : Encoding.UTF8.GetByteCount(value) > 64 ? value[..64] + "…" : value;
}
