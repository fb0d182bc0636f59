using System.Diagnostics;
using System.IO.Pipelines;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Postgres.Messages;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Postgres.Session;

internal sealed partial class PostgresSession
{
    /// <summary>Decides a held command: submits it, tells the agent, waits, then forwards exactly the held bytes or answers with an error.</summary>
    private async Task HoldAsync(HeldCommand held)
    {
        var verdict = held.Verdict;
        if (verdict.Tier == RiskTier.Critical)
        {
            Record(held, AuditDecision.Blocked, null, []);
            _recording?.Decision(null, AuditDecision.Blocked.ToName(), [], $"policy rule \"{verdict.Rule}\" gives it tier critical: {held.Text}");
            await DenyAsync(held, new ServerNotice("ERROR", SqlState.InsufficientPrivilege,
                $"TicketGate blocked this statement: policy rule \"{verdict.Rule}\" gives it tier critical",
                Detail: $"Statement class {verdict.Class.ToName()} on connection \"{Connection.Name}\".",
                Hint: "Blocked statements are never forwarded; ask an administrator if this is wrong.")).ConfigureAwait(false);
            return;
        }

        var request = new ApprovalRequest
        {
            Id = Guid.CreateVersion7(),
            Protocol = "postgres",
            Connection = Connection.Name,
            ConnectionTags = Connection.Tags,
            Requester = Identity.Subject,
            RequesterGroups = Identity.Groups,
            Command = held.Text,
            Parameters = held.Parameters,
            CommandClass = verdict.Class.ToName(),
            Tier = verdict.Tier,
            Rule = verdict.Rule,
            PayloadSha256 = held.PayloadSha256,
            ApproverGroups = Connection.ApproverGroups,
            SessionId = Id.ToString(),
        };

        PendingApproval pending;
        var heldAt = Stopwatch.GetTimestamp();
        // From here a cancel belongs to this command, even while it is still being submitted (a workflow may take a moment to start).
        var cancelSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _cancelWhileHeld = cancelSignal;
        try
        {
            if (!_gateway.Audit.IsHealthy) throw new ApprovalStoreUnavailableException("the audit store is unavailable");
            pending = await _gateway.ApprovalGate.SubmitAsync(request, _stopping.Token).ConfigureAwait(false);
        }
        catch (ApprovalStoreUnavailableException e)
        {
            _cancelWhileHeld = null;
            // Fail closed: a statement that needs review is never run unrecorded.
            Record(held, AuditDecision.Failed, request.Id, []);
            _recording?.Decision(request.Id, AuditDecision.Failed.ToName(), [], e.Message);
            await DenyAsync(held, new ServerNotice("ERROR", SqlState.SystemError,
                "TicketGate could not record an approval request for this statement, so it was not run",
                Detail: e.Message,
                Hint: "Try again when TicketGate's state database is reachable.")).ConfigureAwait(false);
            return;
        }

        Log.CommandHeld(_logger, Id, request.Id, verdict.Tier.ToName(), verdict.Rule, Identity.Subject);
        _recording?.Hold(request);
        await WriteToClientAsync(output => BackendMessages.WriteNoticeResponse(output, new ServerNotice("NOTICE", SqlState.Warning,
            $"TicketGate: held for approval as request {request.Id} (tier {verdict.Tier.ToName()}, rule \"{verdict.Rule}\")",
            Detail: $"Approve or reject at {pending.ApprovalLink}",
            Hint: "The statement runs once an approver from " + string.Join(", ", Connection.ApproverGroups) +
                  " approves it; cancel (Ctrl-C) to withdraw the request."))).ConfigureAwait(false);

        ApprovalDecision decision;
        try
        {
            var outcome = await WaitForDecisionAsync(pending.Decision, cancelSignal.Task).ConfigureAwait(false);
            decision = outcome switch
            {
                HoldEnd.Decided => await pending.Decision.ConfigureAwait(false),
                HoldEnd.Cancelled => await pending.WithdrawAsync("the client cancelled the statement").ConfigureAwait(false),
                HoldEnd.SessionEnding => await pending.WithdrawAsync(SessionEndedWhileHeld).ConfigureAwait(false),
                _ => await pending.WithdrawAsync(ClientDisconnected).ConfigureAwait(false),
            };
            if (outcome is HoldEnd.ClientGone or HoldEnd.SessionEnding)
            {
                var why = outcome == HoldEnd.ClientGone ? ClientDisconnected : SessionEndedWhileHeld;
                Record(held, AuditDecision.Withdrawn, request.Id, decision.DecidedBy, Stopwatch.GetElapsedTime(heldAt));
                _recording?.Decision(request.Id, AuditDecision.Withdrawn.ToName(), decision.DecidedBy, why);
                Log.HoldEnded(_logger, Id, request.Id, "withdrawn: " + why);
                // A client still there is told why by the session's end (57P01 at shutdown); one that left needs nothing more.
                if (outcome == HoldEnd.SessionEnding) throw new OperationCanceledException(_stopping.Token);
                _stopping.Cancel();
                return;
            }
            if (outcome == HoldEnd.Cancelled && decision.Status == ApprovalStatus.Approved)
            {
                // The approval crossed the cancel: the client asked not to run it, so it isn't; the record says so.
                decision = decision with { Status = ApprovalStatus.Withdrawn, Reason = "approved, but the client had cancelled: not run" };
            }
        }
        finally
        {
            _cancelWhileHeld = null;
        }

        var holdTime = Stopwatch.GetElapsedTime(heldAt);
        if (decision.Releases)
        {
            if (!string.Equals(decision.PayloadSha256, held.PayloadSha256, StringComparison.Ordinal))
            {
                Log.HashMismatch(_logger, Id, request.Id, decision.PayloadSha256 ?? "(none)", held.PayloadSha256);
                Record(held, AuditDecision.Failed, request.Id, decision.DecidedBy, holdTime);
                _recording?.Decision(request.Id, AuditDecision.Failed.ToName(), decision.DecidedBy, "the approved statement does not match the held one");
                await DenyAsync(held, new ServerNotice("ERROR", SqlState.InsufficientPrivilege,
                    $"TicketGate did not run request {request.Id}: the approved statement does not match the held one")).ConfigureAwait(false);
                return;
            }
            Release(held, request.Id, decision, holdTime);
            _recording?.Decision(request.Id, AuditDecision.Approved.ToName(), decision.DecidedBy, decision.Reason);
            Log.HoldEnded(_logger, Id, request.Id, "approved by " + string.Join(", ", decision.DecidedBy));
            await _upstream.Transport.Output.FlushAsync(_stopping.Token).ConfigureAwait(false);
            return;
        }

        var kind = decision.Status switch
        {
            ApprovalStatus.Rejected => AuditDecision.Rejected,
            ApprovalStatus.Expired => AuditDecision.Expired,
            _ => AuditDecision.Withdrawn,
        };
        Record(held, kind, request.Id, decision.DecidedBy, holdTime);
        _recording?.Decision(request.Id, kind.ToName(), decision.DecidedBy, decision.Reason);
        Log.HoldEnded(_logger, Id, request.Id, decision.Status.ToName());
        await DenyAsync(held, DenialNotice(request.Id, decision)).ConfigureAwait(false);
    }

    private const string ClientDisconnected = "the client disconnected";
    private const string SessionEndedWhileHeld = "TicketGate ended the session while the command was held";

    private enum HoldEnd
    {
        Decided,
        Cancelled,
        ClientGone,
        /// <summary>TicketGate is stopping (or the upstream went away): the client is still there and is told why.</summary>
        SessionEnding,
    }

    /// <summary>Waits for the decision while watching the client: it may cancel (CancelRequest) or go away.</summary>
    private async Task<HoldEnd> WaitForDecisionAsync(Task<ApprovalDecision> decision, Task cancelled)
    {
        var reader = _client.Input;
        while (true)
        {
            var read = reader.ReadAsync(_stopping.Token).AsTask();
            var first = await Task.WhenAny(decision, cancelled, read).ConfigureAwait(false);
            if (first != read)
            {
                reader.CancelPendingRead();
                try
                {
                    var pending = await read.ConfigureAwait(false);
                    // Leave pipelined bytes unexamined: a stream-backed reader (TLS) would otherwise wait for new bytes
                    // before handing back the ones it already holds, and the client, waiting for answers, sends none.
                    reader.AdvanceTo(pending.Buffer.Start);
                    if (pending.IsCompleted && !pending.IsCanceled && pending.Buffer.IsEmpty) return HoldEnd.ClientGone;
                }
                catch (OperationCanceledException)
                {
                    return _stopping.IsCancellationRequested ? HoldEnd.SessionEnding : HoldEnd.ClientGone;
                }
                return first == decision ? HoldEnd.Decided : HoldEnd.Cancelled;
            }

            ReadResult result;
            try
            {
                result = await read.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return _stopping.IsCancellationRequested ? HoldEnd.SessionEnding : HoldEnd.ClientGone;
            }
            // Pipelined messages stay unconsumed for after the decision; only the end of the stream matters now.
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted) return HoldEnd.ClientGone;
        }
    }

    private void Release(HeldCommand held, Guid requestId, ApprovalDecision decision, TimeSpan holdTime)
    {
        // Wall clock on both sides: the decision may have been made by another TicketGate process (NOTIFY).
        var releaseTicks = Math.Max(1, (DateTimeOffset.UtcNow - decision.DecidedAt).Ticks);
        foreach (var trace in held.Traces)
        {
            trace.ReleaseTicks = releaseTicks;
            trace.RequestId = requestId;
            trace.DecidedBy = decision.DecidedBy;
            trace.HoldTicks = holdTime.Ticks;
            trace.Approved = true;
            _expectations.ExpectStatement(trace);
        }
        _prepared.Sent(held.Changes);
        if (held.EndsWithSync) _expectations.ExpectReady();
        BackendMessages.WriteRaw(_upstream.Transport.Output, held.Bytes);
    }

    private ServerNotice DenialNotice(Guid requestId, ApprovalDecision decision)
    {
        // A workflow step (critical tier, fallback, a failed step) decides without a person.
        var by = decision.DecidedBy.Count > 0 ? "rejected by " + string.Join(", ", decision.DecidedBy) : "denied by its approval workflow";
        return decision.Status switch
        {
            ApprovalStatus.Rejected => new ServerNotice("ERROR", SqlState.InsufficientPrivilege,
                $"TicketGate: request {requestId} was {by}" + (decision.ByFallback ? " (fallback policy)" : "") + $": {decision.Reason}",
                Detail: $"The statement was not run. Request {requestId}.",
                Hint: "Change the statement or ask an approver; a new attempt starts a new request."),
            ApprovalStatus.Expired => new ServerNotice("ERROR", SqlState.QueryCanceled,
                $"TicketGate: request {requestId} expired without a decision" + (decision.Reason is null ? "" : $": {decision.Reason}"),
                Detail: "The statement was not run."),
            _ => new ServerNotice("ERROR", SqlState.QueryCanceled,
                $"canceling statement due to user request: TicketGate withdrew request {requestId}",
                Detail: decision.Reason is null ? "The statement was not run." : $"The statement was not run: {decision.Reason}."),
        };
    }

    /// <summary>
    /// Answers a held command with an error, keeping the upstream in step: it first syncs with the upstream (so every earlier answer has
    /// reached the client and the true transaction status is known), and inside a transaction it makes the upstream transaction fail
    /// too, so a later COMMIT reports ROLLBACK instead of committing partial work.
    /// </summary>
    private async Task DenyAsync(HeldCommand held, ServerNotice error)
    {
        var upstream = _upstream.Transport.Output;
        var synced = _expectations.ExpectSwallowed(wholeGroup: false);
        FrontendMessages.WriteSync(upstream);
        await upstream.FlushAsync(_stopping.Token).ConfigureAwait(false);
        var status = await synced.WaitAsync(_stopping.Token).ConfigureAwait(false);

        if (status == (byte)'T')
        {
            var failed = _expectations.ExpectSwallowed(wholeGroup: true);
            FrontendMessages.WriteQuery(upstream,
                "DO $ticketgate$ BEGIN RAISE EXCEPTION 'TicketGate did not allow a statement in this transaction'; END $ticketgate$");
            await upstream.FlushAsync(_stopping.Token).ConfigureAwait(false);
            status = await failed.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }

        await WriteToClientAsync(output =>
        {
            BackendMessages.WriteErrorResponse(output, error);
            if (held.EndsWithSync) BackendMessages.WriteReadyForQuery(output, status);
        }).ConfigureAwait(false);
        if (!held.EndsWithSync) _discardUntilSync = true;
    }
}
