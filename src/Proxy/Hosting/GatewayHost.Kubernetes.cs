using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Kubernetes;
using TicketGate.Proxy.Kubernetes.Exec;
using TicketGate.Proxy.Kubernetes.Hold;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Postgres.Tls;
using Yarp.ReverseProxy.Forwarder;

namespace TicketGate.Proxy.Hosting;

public static partial class GatewayHost
{
    /// <summary>One HTTPS listener per configured cluster (HTTP/1.1 for WebSocket exec, HTTP/2 for everything else kubectl sends).</summary>
    private static void ListenKubernetes(KestrelServerOptions kestrel, TicketGateOptions options)
    {
        foreach (var cluster in options.Kubernetes.Clusters.Values)
        {
            var certificate = ListenerCertificate.LoadPem(cluster.CertificateFile, cluster.KeyFile);
            kestrel.Listen(Endpoint(cluster.Address, cluster.Port), listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            });
        }
    }

    private static void AddKubernetes(IServiceCollection services, TicketGateOptions options)
    {
        if (options.Kubernetes.Clusters.Count == 0) return;
        services.AddHttpForwarder();
        services.AddSingleton(_ => new KubernetesPolicyEvaluator(options.Policy));
        services.AddSingleton<RequestHold>();
        services.AddSingleton<ExecRelay>();
        services.AddSingleton(sp =>
        {
            var gateways = new Dictionary<int, KubernetesGateway>();
            foreach (var cluster in options.Kubernetes.Clusters.Values)
            {
                gateways[cluster.Port] = new KubernetesGateway(cluster, sp.GetRequiredService<ITokenValidator>(), sp.GetRequiredService<KubernetesPolicyEvaluator>(),
                    sp.GetRequiredService<IHttpForwarder>(), sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<ExecRelay>(),
                    sp.GetRequiredService<RequestHold>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<KubernetesGateway>());
            }
            return new KubernetesListeners(gateways);
        });
    }

    /// <summary>Requests arriving on a cluster's port go to its gateway before anything else sees them (its paths overlap /api).</summary>
    private static void MapKubernetes(WebApplication app, TicketGateOptions options)
    {
        if (options.Kubernetes.Clusters.Count == 0) return;
        var listeners = app.Services.GetRequiredService<KubernetesListeners>();
        app.UseWhen(context => listeners.For(context) is not null, branch =>
        {
            branch.UseWebSockets();
            branch.Run(context => listeners.For(context)!.HandleAsync(context));
        });
    }
}

/// <summary>The cluster gateways by the local port their requests arrive on.</summary>
internal sealed class KubernetesListeners(IReadOnlyDictionary<int, KubernetesGateway> byPort) : IDisposable
{
    public KubernetesGateway? For(HttpContext context) => byPort.GetValueOrDefault(context.Connection.LocalPort);

    public void Dispose()
    {
        foreach (var gateway in byPort.Values) gateway.Upstream.Dispose();
    }
}
