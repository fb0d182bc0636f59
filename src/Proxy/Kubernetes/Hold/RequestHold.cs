using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Kubernetes.Requests;
using TicketGate.Proxy.Policy;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Kubernetes.Hold;

/// <summary>
/// Holds an API request that needs review: the body is read and hashed, the request is submitted through the protocol-neutral
/// <see cref="IApprovalGate"/>, and the agent's connection stays open until the decision (kubectl waits without a timeout of its
/// own). Only a decision for the same fingerprint releases it; an agent that goes away withdraws its request.
/// </summary>
internal sealed partial class RequestHold(IApprovalGate gate, AuditLog audit, IHostApplicationLifetime lifetime, ILogger<RequestHold> logger)
{
    private const int CommandBodyChars = 2000;

    public async Task<HoldOutcome> DecideAsync(HttpContext context, KubernetesClusterDefinition cluster, AgentIdentity identity,
        KubernetesRequest request, KubernetesVerdict verdict, string line)
    {
        var body = await ReadBodyAsync(context, cluster.MaxBodyBytes).ConfigureAwait(false);
        if (body is null)
        {
            return new HoldOutcome
            {
                Releases = false,
                AuditDecision = AuditDecision.Failed,
                Refusal = new HoldRefusal(StatusCodes.Status413RequestEntityTooLarge, "RequestEntityTooLarge",
                    $"TicketGate holds request bodies up to {cluster.MaxBodyBytes} bytes for review; this one is larger and was not forwarded."),
            };
        }
        // The held bytes are what goes upstream on approval; the agent's stream is already drained.
        context.Request.Body = new MemoryStream(body, writable: false);

        var approval = new ApprovalRequest
        {
            Id = Guid.CreateVersion7(),
            Protocol = "kubernetes",
            Connection = cluster.Name,
            ConnectionTags = cluster.Tags,
            Requester = identity.Subject,
            RequesterGroups = identity.Groups,
            Command = CommandText(request, line, body),
            CommandClass = request.IsExecLike ? request.Subresource : request.Verb,
            Tier = verdict.Tier,
            Rule = verdict.Rule,
            PayloadSha256 = RequestFingerprint.Of(request.Verb, context.Request.Method, $"{context.Request.Path}{context.Request.QueryString}", body),
            ApproverGroups = cluster.ApproverGroups,
        };

        var heldAt = Stopwatch.GetTimestamp();
        PendingApproval pending;
        try
        {
            if (!audit.IsHealthy) throw new ApprovalStoreUnavailableException("the audit store is unavailable");
            // Neither the request's token nor the host's: once stored, the request must come back as a PendingApproval, so that an
            // agent leaving, or TicketGate stopping, mid-submit withdraws it below instead of leaving a pending orphan.
            pending = await gate.SubmitAsync(approval, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ApprovalStoreUnavailableException e)
        {
            // Fail closed: a request that needs review is never forwarded unrecorded.
            return new HoldOutcome
            {
                Releases = false,
                AuditDecision = AuditDecision.Failed,
                Request = approval,
                Refusal = new HoldRefusal(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable",
                    $"TicketGate could not record an approval request for {request.Summary}, so it was not forwarded ({e.Message}). Try again when TicketGate's state database is reachable."),
            };
        }
        Log.Held(logger, cluster.Name, approval.Id, request.Summary, verdict.Tier.ToName(), verdict.Rule, identity.Subject, pending.ApprovalLink);

        ApprovalDecision decision;
        var gone = false;
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            decision = await pending.Decision.WaitAsync(waiting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // TicketGate is stopping: the request is withdrawn, and the agent is told so while it can still be told.
            decision = await pending.WithdrawAsync("TicketGate stopped while the request was held").ConfigureAwait(false);
            if (!decision.Releases)
            {
                Log.Ended(logger, cluster.Name, approval.Id, "withdrawn: TicketGate is stopping");
                return new HoldOutcome
                {
                    Releases = false,
                    AuditDecision = AuditDecision.Withdrawn,
                    Request = approval,
                    Decision = decision,
                    HoldTime = Stopwatch.GetElapsedTime(heldAt),
                    Refusal = new HoldRefusal(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable",
                        $"TicketGate is stopping; request {approval.Id} ({request.Summary}) was withdrawn and not forwarded. Run the command again."),
                };
            }
        }
        catch (OperationCanceledException)
        {
            gone = true;
            decision = await pending.WithdrawAsync("the client disconnected").ConfigureAwait(false);
        }
        var holdTime = Stopwatch.GetElapsedTime(heldAt);

        if (gone)
        {
            // An approval that crossed the disconnect is not acted on: nobody is there to get the answer.
            Log.Ended(logger, cluster.Name, approval.Id, "withdrawn: the client disconnected");
            return new HoldOutcome { Releases = false, AuditDecision = AuditDecision.Withdrawn, Request = approval, Decision = decision, HoldTime = holdTime };
        }
        if (decision.Releases)
        {
            if (!string.Equals(decision.PayloadSha256, approval.PayloadSha256, StringComparison.Ordinal))
            {
                Log.Ended(logger, cluster.Name, approval.Id, "not forwarded: the approval was for another request");
                return new HoldOutcome
                {
                    Releases = false,
                    AuditDecision = AuditDecision.Failed,
                    Request = approval,
                    Decision = decision,
                    HoldTime = holdTime,
                    Refusal = new HoldRefusal(StatusCodes.Status403Forbidden, "Forbidden",
                        $"TicketGate did not forward request {approval.Id}: the approval does not match the held request."),
                };
            }
            Log.Ended(logger, cluster.Name, approval.Id, "approved by " + string.Join(", ", decision.DecidedBy));
            return new HoldOutcome { Releases = true, AuditDecision = AuditDecision.Approved, Request = approval, Decision = decision, HoldTime = holdTime };
        }

        Log.Ended(logger, cluster.Name, approval.Id, decision.Status.ToName());
        var by = decision.DecidedBy.Count == 0 ? "" : " by " + string.Join(", ", decision.DecidedBy);
        var reason = string.IsNullOrWhiteSpace(decision.Reason) ? "" : ": " + decision.Reason;
        return new HoldOutcome
        {
            Releases = false,
            AuditDecision = decision.Status switch
            {
                ApprovalStatus.Rejected => AuditDecision.Rejected,
                ApprovalStatus.Expired => AuditDecision.Expired,
                _ => AuditDecision.Withdrawn,
            },
            Request = approval,
            Decision = decision,
            HoldTime = holdTime,
            Refusal = new HoldRefusal(StatusCodes.Status403Forbidden, "Forbidden",
                $"TicketGate: request {approval.Id} ({request.Summary}) was {decision.Status.ToName()}{by}{reason}. It was not forwarded."),
        };
    }

    /// <summary>The request line, then the body as text (cut short) for the approver; null when the body is over the limit.</summary>
    private static string CommandText(KubernetesRequest request, string line, byte[] body)
    {
        var text = new StringBuilder(request.Summary).Append('\n').Append(line);
        if (body.Length > 0)
        {
            var shown = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, CommandBodyChars * 2));
            if (shown.Length > CommandBodyChars) shown = string.Concat(shown.AsSpan(0, CommandBodyChars), "…");
            text.Append('\n').Append(shown);
        }
        return text.ToString();
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, int limit)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false);
            if (read == 0) return buffer.ToArray();
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(710, LogLevel.Information, "Kubernetes {Cluster}: held {Request} as request {RequestId} (tier {Tier}, rule {Rule}) for {Subject}; decide at {Link}")]
        public static partial void Held(ILogger logger, string cluster, Guid requestId, string request, string tier, string rule, string subject, string link);

        [LoggerMessage(711, LogLevel.Information, "Kubernetes {Cluster}: request {RequestId} {Outcome}")]
        public static partial void Ended(ILogger logger, string cluster, Guid requestId, string outcome);
    }
}
