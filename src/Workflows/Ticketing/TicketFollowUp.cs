using Microsoft.Extensions.Logging;
using TicketGate.Integrations.Tickets;
using TicketGate.Integrations.Webhooks;
using TicketGate.Workflows.Approvals;
using IntegrationDecision = TicketGate.Integrations.Tickets.TicketDecision;

namespace TicketGate.Workflows.Ticketing;

/// <summary>
/// Reads decisions back from the ticket systems and hands them to the workflows. Webhooks only hint (<see cref="ReconcileAsync"/>);
/// polling (<see cref="PollAsync"/>) walks open tickets in batches. Either way the ticket is re-read over REST, and a decision
/// counts only while the request is pending, before its deadline, for the ticket TicketGate opened, and by someone other than the
/// requester; anything else is noted on the link and releases nothing.
/// </summary>
public sealed partial class TicketFollowUp(TicketConnections connections, TicketLinkStore links, ApprovalRequestStore requests,
    TicketDecisions decisions, ApprovalDesk desk, TimeProvider time, ILogger<TicketFollowUp> logger)
{
    /// <summary>How long a claimed batch is kept from other pollers while this one works on it.</summary>
    private static readonly TimeSpan PollLease = TimeSpan.FromMinutes(2);
    private const int MaxBatchesPerPoll = 20;
    private const int UnknownTicketLookups = 10;

    /// <summary>A webhook said something changed on a ticket: re-read it and act on what REST says.</summary>
    public async Task ReconcileAsync(ReconcileRequest hint, CancellationToken cancellationToken)
    {
        var system = hint.Family == TicketFamily.Jira ? TicketSystems.Jira : TicketSystems.ServiceNow;
        TicketLink? link = null;
        // The ticket exists a moment before TicketGate records it (ServiceNow's approval starts inside the create), so a very quick
        // approver's webhook may come first: look again briefly before calling the ticket unknown.
        for (var attempt = 1; link is null && attempt <= UnknownTicketLookups; attempt++)
        {
            link = await links.FindByTicketAsync(system, hint.TicketId, cancellationToken).ConfigureAwait(false);
            if (link is null && hint.TicketKey is { } key) link = await links.FindByTicketAsync(system, key, cancellationToken).ConfigureAwait(false);
            if (link is null && attempt < UnknownTicketLookups) await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), time, cancellationToken).ConfigureAwait(false);
        }
        if (link is null)
        {
            LogUnknownTicket(logger, system, hint.TicketKey ?? hint.TicketId);
            return;
        }
        if (link.State != TicketLinkState.Open || connections.Find(system) is not { } connection) return;
        var decision = await new TicketReconciler(connection.Client, connections.Reconcile, time)
            .ReconcileAsync(link.Ticket, hint.HintedVerdict, cancellationToken).ConfigureAwait(false);
        if (decision.IsFinal) await ApplyAsync(link, decision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Re-reads every open ticket whose poll is due, in batches; returns how many tickets were read.</summary>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        var read = 0;
        foreach (var connection in connections.ByName.Values)
        {
            for (var batch = 0; batch < MaxBatchesPerPoll; batch++)
            {
                var now = time.GetUtcNow();
                var due = await links.ClaimDueAsync(connection.System, now, now + PollLease, connections.PollBatchSize, cancellationToken)
                    .ConfigureAwait(false);
                if (due.Count == 0) break;
                read += due.Count;
                await PollBatchAsync(connection, due, cancellationToken).ConfigureAwait(false);
                if (due.Count < connections.PollBatchSize) break;
            }
        }
        return read;
    }

    private async Task PollBatchAsync(TicketConnection connection, IReadOnlyList<TicketLink> due, CancellationToken cancellationToken)
    {
        if (connection.Client is ITicketBatchDecisionReader batch)
        {
            IReadOnlyList<IntegrationDecision> found;
            try
            {
                var tickets = new List<TicketRef>(due.Count);
                foreach (var link in due) tickets.Add(link.Ticket);
                found = await batch.ReadDecisionsAsync(tickets, cancellationToken).ConfigureAwait(false);
            }
            catch (TicketSystemException e)
            {
                foreach (var link in due) await BackOffAsync(connection, link, e.Message, cancellationToken).ConfigureAwait(false);
                return;
            }
            var byId = new Dictionary<string, IntegrationDecision>(StringComparer.Ordinal);
            foreach (var decision in found) byId[decision.Ticket.Id] = decision;
            foreach (var link in due)
            {
                if (byId.TryGetValue(link.Ticket.Id, out var decision)) await AfterPollAsync(connection, link, decision, cancellationToken).ConfigureAwait(false);
                else await BackOffAsync(connection, link, $"{link.Ticket.Key} is gone (deleted, or hidden from the integration user)", cancellationToken, gone: true).ConfigureAwait(false);
            }
            return;
        }
        foreach (var link in due)
        {
            IntegrationDecision decision;
            try
            {
                decision = await connection.Client.ReadDecisionAsync(link.Ticket, cancellationToken).ConfigureAwait(false);
            }
            catch (TicketSystemException e)
            {
                await BackOffAsync(connection, link, e.Message, cancellationToken, gone: e.Status == System.Net.HttpStatusCode.NotFound).ConfigureAwait(false);
                continue;
            }
            await AfterPollAsync(connection, link, decision, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AfterPollAsync(TicketConnection connection, TicketLink link, IntegrationDecision decision, CancellationToken cancellationToken)
    {
        if (decision.IsFinal)
        {
            await ApplyAsync(link, decision, cancellationToken).ConfigureAwait(false);
            return;
        }
        // Jitter spreads tickets opened together, so a burst of held commands does not poll in lockstep forever.
        var next = time.GetUtcNow() + connection.PollInterval * (0.8 + 0.4 * Random.Shared.NextDouble());
        await links.SchedulePollAsync(link.RequestId, next, 0, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Exponential backoff with full jitter: base the poll interval, doubling per failure in a row, capped. A ticket that could not be
    /// read <see cref="TicketConnections.UnavailableAfterFailures"/> times in a row, or that is gone (404), is reported Unavailable:
    /// the workflow's fallback decides instead of a wait nobody can end.
    /// </summary>
    private async Task BackOffAsync(TicketConnection connection, TicketLink link, string error, CancellationToken cancellationToken,
        bool gone = false)
    {
        var failures = link.PollFailures + 1;
        if (gone || failures >= connections.UnavailableAfterFailures)
        {
            await ReportUnavailableAsync(link, gone ? error : $"{failures} reads in a row failed, the last: {error}", cancellationToken).ConfigureAwait(false);
            return;
        }
        var ceiling = Math.Min(connection.MaxPollBackoff.TotalMilliseconds, connection.PollInterval.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 20)));
        var wait = TimeSpan.FromMilliseconds(Math.Max(connection.PollInterval.TotalMilliseconds / 2, ceiling * Random.Shared.NextDouble()));
        LogPollFailed(logger, link.Ticket.Key, failures, wait.TotalSeconds, error);
        await links.SchedulePollAsync(link.RequestId, time.GetUtcNow() + wait, failures, error, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReportUnavailableAsync(TicketLink link, string reason, CancellationToken cancellationToken)
    {
        LogUnavailable(logger, link.Ticket.Key, reason);
        await decisions.ReportAsync(new TicketDecision(link.Ticket.Key, TicketDecisionStatus.Unavailable, null, reason), cancellationToken)
            .ConfigureAwait(false);
        await links.SettleAsync(link.RequestId, TicketLinkState.Ignored, $"unavailable: {reason}", cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyAsync(TicketLink link, IntegrationDecision decision, CancellationToken cancellationToken)
    {
        var key = link.Ticket.Key;
        var verdict = decision.Verdict == TicketVerdict.Approved ? "approved" : "rejected";
        var stored = await requests.GetAsync(link.RequestId, cancellationToken).ConfigureAwait(false);
        // Who decided is checked first: a requester deciding their own request is worth telling on the ticket even when late.
        var requester = stored?.Request.Requester ?? "";
        var people = new List<string>();
        var byRequester = false;
        foreach (var actor in decision.DecidedBy)
        {
            if (IsRequester(actor, requester)) byRequester = true;
            else if (!people.Contains(actor.Identity)) people.Add(actor.Identity);
        }
        if (people.Count == 0 && (byRequester || decision.Verdict == TicketVerdict.Approved))
        {
            var why = byRequester
                ? $"{key} was {verdict} by the requester {requester}, who can't decide their own request"
                : $"{key} was approved, but the ticket does not show who approved it";
            // The ticket stays followed: another person may still move it back and decide. It is said on the ticket once.
            if (await links.NoteAsync(link.RequestId, why, cancellationToken).ConfigureAwait(false))
            {
                LogIgnored(logger, key, why + "; nothing is released");
                await NoteOnTicketAsync(link, $"TicketGate did not act on this: {why}. Another person has to decide.", cancellationToken)
                    .ConfigureAwait(false);
            }
            await KeepPollingAsync(link, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (stored is null || !stored.IsPending)
        {
            await IgnoreAsync(link, $"{key} was {verdict}, but request {link.RequestId} was already {stored?.Status.ToName() ?? "gone"}; nothing is released",
                cancellationToken).ConfigureAwait(false);
            return;
        }
        var now = time.GetUtcNow();
        var deadline = stored.Request.Deadline is { } own && own < link.Deadline ? own : link.Deadline;
        if (now > deadline)
        {
            await IgnoreAsync(link, $"{key} was {verdict} after the deadline ({deadline:u}); nothing is released", cancellationToken).ConfigureAwait(false);
            return;
        }
        var status = decision.Verdict == TicketVerdict.Approved ? TicketDecisionStatus.Approved : TicketDecisionStatus.Rejected;
        var reason = decision.Verdict == TicketVerdict.Rejected ? $"the ticket moved to {decision.RawStatus}" : null;
        var by = people.Count == 0 ? null : string.Join(", ", people);
        LogDecided(logger, key, verdict, by ?? "(not shown)", link.RequestId);
        await decisions.ReportAsync(new TicketDecision(key, status, by, reason), cancellationToken).ConfigureAwait(false);
        // A workflow that waits on RequestApproval counts the ticket's approvers as votes, one per person.
        foreach (var person in people)
        {
            if (await requests.GetAsync(link.RequestId, cancellationToken).ConfigureAwait(false) is not { IsPending: true }) break;
            await desk.VoteFromTicketAsync(link.RequestId, person, decision.Verdict == TicketVerdict.Approved, reason ?? $"{verdict} in {key}",
                cancellationToken).ConfigureAwait(false);
        }
        // Settled only after the report: if reporting failed, the link stays open and the next poll or webhook reports again
        // (a second report resumes nothing, a second vote by the same person is not counted twice).
        await links.SettleAsync(link.RequestId, TicketLinkState.Decided, $"{verdict} in {key}", cancellationToken).ConfigureAwait(false);
    }

    private async Task KeepPollingAsync(TicketLink link, CancellationToken cancellationToken)
    {
        if (connections.Find(link.System) is not { } connection) return;
        var next = time.GetUtcNow() + connection.PollInterval * (0.8 + 0.4 * Random.Shared.NextDouble());
        await links.SchedulePollAsync(link.RequestId, next, 0, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task IgnoreAsync(TicketLink link, string note, CancellationToken cancellationToken)
    {
        if (await links.SettleAsync(link.RequestId, TicketLinkState.Ignored, note, cancellationToken).ConfigureAwait(false))
        {
            LogIgnored(logger, link.Ticket.Key, note);
        }
    }

    private async Task NoteOnTicketAsync(TicketLink link, string text, CancellationToken cancellationToken)
    {
        if (connections.Find(link.System) is not { } connection) return;
        try
        {
            await connection.Client.CommentAsync(link.Ticket, text, cancellationToken).ConfigureAwait(false);
        }
        catch (TicketSystemException e)
        {
            LogNoteFailed(logger, link.Ticket.Key, e.Message);
        }
    }

    private static bool IsRequester(TicketActor actor, string requester) =>
        Same(actor.Id, requester) || Same(actor.Email, requester) || Same(actor.UserName, requester) || Same(actor.Identity, requester);

    private static bool Same(string? a, string b) => a is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(4010, LogLevel.Information, "Ticket {TicketKey} {Verdict} by {DecidedBy}; reported for request {RequestId}")]
    private static partial void LogDecided(ILogger logger, string ticketKey, string verdict, string decidedBy, Guid requestId);

    [LoggerMessage(4011, LogLevel.Warning, "Ticket {TicketKey}: {Note}")]
    private static partial void LogIgnored(ILogger logger, string ticketKey, string note);

    [LoggerMessage(4012, LogLevel.Information, "A {System} webhook named ticket {Ticket}, which TicketGate did not open; ignored")]
    private static partial void LogUnknownTicket(ILogger logger, string system, string ticket);

    [LoggerMessage(4013, LogLevel.Warning, "Polling {TicketKey} failed ({Failures} in a row); next try in {WaitSeconds:0.#} s: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string ticketKey, int failures, double waitSeconds, string error);

    [LoggerMessage(4015, LogLevel.Warning, "Ticket {TicketKey} can't be read any more ({Reason}); reported unavailable, the workflow's fallback decides")]
    private static partial void LogUnavailable(ILogger logger, string ticketKey, string reason);

    [LoggerMessage(4014, LogLevel.Warning, "Could not comment on {TicketKey}: {Error}")]
    private static partial void LogNoteFailed(ILogger logger, string ticketKey, string error);
}
