using Microsoft.AspNetCore.Http;
using TicketGate.Proxy.Identity;
using Yarp.ReverseProxy.Forwarder;

namespace TicketGate.Proxy.Kubernetes.Upstream;

/// <summary>
/// Copies the agent's request for the API server (YARP's default copy), then replaces its credentials: the agent's bearer token
/// and any Impersonate-* header it sent never leave TicketGate; TicketGate's token and the impersonation of the agent go instead.
/// </summary>
internal sealed class ImpersonatingTransformer(ApiServerClient upstream, AgentIdentity identity) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix,
        CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        List<string>? drop = null;
        foreach (var header in proxyRequest.Headers)
        {
            if (ApiServerClient.IsCallerCredential(header.Key)) (drop ??= []).Add(header.Key);
        }
        if (drop is not null)
        {
            foreach (var name in drop) proxyRequest.Headers.Remove(name);
        }
        upstream.Authorize(proxyRequest.Headers, identity);
    }
}
