using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;

namespace TicketGate.Proxy.Kubernetes.Upstream;

/// <summary>
/// TicketGate's side of one real API server: one connection pool (HTTP/1.1, see <see cref="ImpersonationHeaderLines"/>), the server's CA, and
/// the headers every forwarded request carries: TicketGate's own service-account token and the agent's identity as
/// Impersonate-User / Impersonate-Group. The token is read from its secret on each request, so a rotated projected token is picked up.
/// </summary>
internal sealed class ApiServerClient : IDisposable
{
    private readonly X509Certificate2Collection? _trust;

    public ApiServerClient(KubernetesClusterDefinition cluster)
    {
        Cluster = cluster;
        if (cluster.ServerCertificateAuthorityFile is { } caFile)
        {
            _trust = [];
            _trust.ImportFromPemFile(caFile);
        }
        Handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateServer },
            // One Impersonate-Group line per group (the client would join them into one).
            PlaintextStreamFilter = static (context, _) => ValueTask.FromResult<Stream>(context.NegotiatedHttpVersion == HttpVersion.Version11
                ? new ImpersonationHeaderLines.RenamingStream(context.PlaintextStream)
                : context.PlaintextStream),
        };
        Invoker = new HttpMessageInvoker(Handler, disposeHandler: false);
    }

    public KubernetesClusterDefinition Cluster { get; }
    public SocketsHttpHandler Handler { get; }
    public HttpMessageInvoker Invoker { get; }
    public string DestinationPrefix => Cluster.Server.ToString().TrimEnd('/');

    /// <summary>Header names an agent may not send upstream: its own credentials and any impersonation of its own.</summary>
    public static bool IsCallerCredential(string name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith(ImpersonationHeaderLines.PlaceholderPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Sets TicketGate's credentials and the agent's identity on an upstream request.</summary>
    public void Authorize(System.Net.Http.Headers.HttpRequestHeaders headers, AgentIdentity identity)
    {
        headers.TryAddWithoutValidation("Authorization", "Bearer " + Cluster.Token.Read());
        headers.TryAddWithoutValidation("Impersonate-User", identity.Subject);
        for (var i = 0; i < identity.Groups.Count; i++) headers.TryAddWithoutValidation(ImpersonationHeaderLines.Placeholder(i), identity.Groups[i]);
    }

    /// <summary>Opens the upstream half of an exec/attach/port-forward WebSocket with the agent's subprotocols.</summary>
    public async Task<ClientWebSocket> ConnectWebSocketAsync(Uri target, IReadOnlyList<string> subProtocols, AgentIdentity identity,
        CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        foreach (var protocol in subProtocols) socket.Options.AddSubProtocol(protocol);
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Cluster.Token.Read());
        socket.Options.SetRequestHeader("Impersonate-User", identity.Subject);
        for (var i = 0; i < identity.Groups.Count; i++) socket.Options.SetRequestHeader(ImpersonationHeaderLines.Placeholder(i), identity.Groups[i]);
        try
        {
            await socket.ConnectAsync(target, Invoker, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_trust is null) return errors == SslPolicyErrors.None;
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trust);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            for (var i = 1; i < chain.ChainElements.Count; i++) custom.ChainPolicy.ExtraStore.Add(chain.ChainElements[i].Certificate);
        }
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    public void Dispose()
    {
        Invoker.Dispose();
        Handler.Dispose();
    }
}
