using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Kubernetes.Exec;
using TicketGate.Proxy.Kubernetes.Hold;
using TicketGate.Proxy.Kubernetes.Requests;
using TicketGate.Proxy.Kubernetes.Upstream;
using TicketGate.Proxy.Policy;
using TicketGate.Workflows.Approvals;
using Yarp.ReverseProxy.Forwarder;

namespace TicketGate.Proxy.Kubernetes;

/// <summary>
/// TicketGate as one cluster's API server: every request on the cluster's listener comes here. It checks the agent's bearer token,
/// reads the request as the API server would, asks the policy, holds risky requests until they are decided (the connection stays
/// open: kubectl waits), and forwards with TicketGate's own credentials, impersonating the agent. Responses stream through.
/// </summary>
internal sealed partial class KubernetesGateway
{
    private static readonly ForwarderRequestConfig Forwarding = new()
    {
        // Watches and `logs -f` can be quiet for a long time; the API server ends them, not TicketGate.
        ActivityTimeout = TimeSpan.FromHours(24),
        // HTTP/1.1 upstream, where each impersonated group gets its own header line (ImpersonationHeaderLines).
        Version = System.Net.HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private readonly ITokenValidator _tokens;
    private readonly KubernetesPolicyEvaluator _policy;
    private readonly IHttpForwarder _forwarder;
    private readonly AuditLog _audit;
    private readonly ExecRelay _exec;
    private readonly RequestHold _hold;
    private readonly ILogger _logger;

    public KubernetesGateway(KubernetesClusterDefinition cluster, ITokenValidator tokens, KubernetesPolicyEvaluator policy, IHttpForwarder forwarder,
        AuditLog audit, ExecRelay exec, RequestHold hold, ILogger logger)
    {
        Cluster = cluster;
        Upstream = new ApiServerClient(cluster);
        _tokens = tokens;
        _policy = policy;
        _forwarder = forwarder;
        _audit = audit;
        _exec = exec;
        _hold = hold;
        _logger = logger;
    }

    public KubernetesClusterDefinition Cluster { get; }
    public ApiServerClient Upstream { get; }

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var identity = await AuthenticateAsync(context).ConfigureAwait(false);
        if (identity is null) return;

        var http = context.Request;
        var request = KubernetesRequestParser.Parse(http.Method, http.Path.Value ?? "/", http.Query);
        if (request.Verb is "delete" or "deletecollection" && !request.DryRun && await DeleteOptions.IsDryRunAsync(context, Cluster.MaxBodyBytes).ConfigureAwait(false))
        {
            request = request with { DryRun = true };
        }
        var verdict = _policy.Evaluate(Cluster, identity.Groups, request, CarriesImpersonation(http.Headers));
        var line = $"{http.Method} {http.Path}{http.QueryString}";

        if (IsSpdyUpgrade(http))
        {
            // Refused before policy: nothing would be relayed, so nothing needs deciding.
            Audit(identity, line, request, verdict, AuditDecision.Blocked, null, [], started, null, StatusCodes.Status400BadRequest);
            await KubernetesStatus.WriteAsync(context, StatusCodes.Status400BadRequest, "BadRequest",
                _exec.SpdyRefusal(identity, line)).ConfigureAwait(false);
            return;
        }

        if (verdict.Tier == RiskTier.Critical)
        {
            Log.Blocked(_logger, Cluster.Name, identity.Subject, request.Summary, verdict.Rule);
            Audit(identity, line, request, verdict, AuditDecision.Blocked, null, [], started, null, StatusCodes.Status403Forbidden);
            var message = $"TicketGate blocked this request: policy rule \"{verdict.Rule}\" gives {request.Summary} tier critical. " +
                          "Blocked requests are never forwarded; ask an administrator if this is wrong.";
            _exec.RememberRefusal(identity, request, message);
            await KubernetesStatus.ForbiddenAsync(context, message).ConfigureAwait(false);
            return;
        }

        HoldOutcome? held = null;
        if (verdict.Tier != RiskTier.Low)
        {
            held = await _hold.DecideAsync(context, Cluster, identity, request, verdict, line).ConfigureAwait(false);
            if (!held.Releases)
            {
                Audit(identity, line, request, verdict, held.AuditDecision, held.RequestId, held.DecidedBy, started, held.HoldTime,
                    held.Refusal is null ? null : StatusCodes.Status403Forbidden);
                if (held.Refusal is { } refusal)
                {
                    _exec.RememberRefusal(identity, request, refusal.Message);
                    await KubernetesStatus.WriteAsync(context, refusal.Code, refusal.Reason, refusal.Message).ConfigureAwait(false);
                }
                return;
            }
        }

        if (request.IsExecLike && context.WebSockets.IsWebSocketRequest)
        {
            await _exec.RelayAsync(context, Upstream, identity, request, held).ConfigureAwait(false);
            Audit(identity, line, request, verdict, held is null ? AuditDecision.Allowed : AuditDecision.Approved, held?.RequestId,
                held?.DecidedBy ?? [], started, held?.HoldTime, context.Response.StatusCode);
            return;
        }

        var error = await _forwarder.SendAsync(context, Upstream.DestinationPrefix, Upstream.Invoker, Forwarding,
            new ImpersonatingTransformer(Upstream, identity)).ConfigureAwait(false);
        if (error != ForwarderError.None && error != ForwarderError.RequestCanceled && error != ForwarderError.ResponseBodyCanceled)
        {
            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            Log.UpstreamFailed(_logger, Cluster.Name, line, error.ToString(), exception?.Message ?? "");
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await KubernetesStatus.WriteAsync(context, StatusCodes.Status502BadGateway, "ServiceUnavailable",
                    $"TicketGate could not reach the API server of cluster \"{Cluster.Name}\" ({error}); try again, or tell TicketGate's operators.").ConfigureAwait(false);
            }
        }
        Audit(identity, line, request, verdict, held is null ? AuditDecision.Allowed : AuditDecision.Approved, held?.RequestId,
            held?.DecidedBy ?? [], started, held?.HoldTime, context.Response.StatusCode);
    }

    /// <summary>The agent behind the bearer token, or null after answering 401 with what was wrong.</summary>
    private async Task<AgentIdentity?> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            await KubernetesStatus.UnauthorizedAsync(context,
                "TicketGate needs your Okta token as a bearer token; use the kubeconfig from `ticketgate kubeconfig " + Cluster.Name + "`").ConfigureAwait(false);
            return null;
        }
        var outcome = await _tokens.ValidateAsync(header[7..].Trim(), context.RequestAborted).ConfigureAwait(false);
        if (outcome.IsValid) return outcome.Identity;
        Log.TokenRefused(_logger, Cluster.Name, outcome.Failure.ToString()!, outcome.Message);
        await KubernetesStatus.UnauthorizedAsync(context, "TicketGate refused your token: " + outcome.Message).ConfigureAwait(false);
        return null;
    }

    private static bool CarriesImpersonation(IHeaderDictionary headers)
    {
        foreach (var header in headers)
        {
            if (header.Key.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static bool IsSpdyUpgrade(HttpRequest request) =>
        request.Headers.Upgrade.ToString().StartsWith("SPDY/", StringComparison.OrdinalIgnoreCase);

    private void Audit(AgentIdentity identity, string line, KubernetesRequest request, KubernetesVerdict verdict, AuditDecision decision,
        Guid? requestId, IReadOnlyList<string> decidedBy, long started, TimeSpan? holdTime, int? status)
    {
        _audit.TryAppend(new AuditEntry
        {
            At = DateTimeOffset.UtcNow,
            Protocol = "kubernetes",
            Connection = Cluster.Name,
            Subject = identity.Subject,
            Groups = identity.Groups,
            Statement = request.Command.Count == 0 ? line : $"{line} ({string.Join(' ', request.Command)})",
            StatementClass = request.IsExecLike ? request.Subresource : request.Verb,
            Tier = verdict.Tier,
            Rule = verdict.Rule,
            Decision = decision,
            RequestId = requestId,
            DecidedBy = decidedBy,
            DurationUs = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds,
            HoldUs = holdTime is { } hold ? (long)hold.TotalMicroseconds : null,
            CommandTag = status?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    private static partial class Log
    {
        [LoggerMessage(700, LogLevel.Information, "Kubernetes {Cluster}: blocked {Request} by {Subject} (rule {Rule})")]
        public static partial void Blocked(ILogger logger, string cluster, string subject, string request, string rule);

        [LoggerMessage(701, LogLevel.Information, "Kubernetes {Cluster}: refused a token ({Failure}): {Message}")]
        public static partial void TokenRefused(ILogger logger, string cluster, string failure, string message);

        [LoggerMessage(702, LogLevel.Warning, "Kubernetes {Cluster}: forwarding {Request} failed ({Error}): {Message}")]
        public static partial void UpstreamFailed(ILogger logger, string cluster, string request, string error, string message);
    }
}
