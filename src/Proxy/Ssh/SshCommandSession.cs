using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Classification.Shell;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Recording;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// One agent's SSH session, from the shim's hello to its exit status: re-verifies the certificate sshd accepted, refuses file
/// transfer, judges the command (or the interactive shell) by the policy, holds it for approval when the policy says so, and once
/// allowed runs it on the target and relays input, output and the exit status. Everything the agent sees is recorded.
/// </summary>
/// <param name="stopping">Fires when TicketGate shuts down (the session's own token also fires when the shim goes away).</param>
internal sealed partial class SshCommandSession(SshGateway gateway, Stream input, Stream output, ILogger logger, CancellationToken stopping)
{
    /// <summary>The exit status when TicketGate refuses, rejects or can't run a command (as a shell's "cannot execute").</summary>
    public const int RefusedExitCode = 126;

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly long _started = Stopwatch.GetTimestamp();
    private Task<(byte Kind, byte[] Payload)?>? _pendingRead;
    private readonly List<byte[]> _earlyInput = [];
    private bool _earlyInputClosed;
    private SessionRecorder? _recorder;
    private ShimHello _hello = new();
    private SshCertificateIdentity? _identity;
    private SshTargetDefinition? _target;
    private SshVerdict _verdict;
    private Guid _sessionId;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using (var helloDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            helloDeadline.CancelAfter(gateway.Options.HelloTimeout);
            var first = await ShimFrame.ReadAsync(input, helloDeadline.Token).ConfigureAwait(false);
            if (first is not { Kind: ShimFrame.Hello } hello) return;
            try
            {
                _hello = JsonSerializer.Deserialize<ShimHello>(hello.Payload, ShimHello.Json) ?? new ShimHello();
            }
            catch (JsonException)
            {
                await RefuseAsync("the shim's hello is not JSON; is the bastion running the same TicketGate version?", cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        try
        {
            _identity = gateway.Authority.Verify(CertificateOf(_hello.UserAuth), gateway.Options.Bastion.LoginUser);
            _target = gateway.Target(_hello.Target);
        }
        catch (SshAccessException e)
        {
            LogRefused(logger, _hello.Target ?? "", e.Message);
            _verdict = new SshVerdict(RiskTier.Critical, "ssh-access", "login");
            Audit(AuditDecision.Blocked, null, [], null, null, e.Message);
            await RefuseAsync(e.Message, cancellationToken).ConfigureAwait(false);
            return;
        }

        _sessionId = Guid.NewGuid();
        if (gateway.Recording.Options.Enabled)
        {
            _recorder = new SessionRecorder(gateway.Recording, new RecordedSession(_sessionId, "ssh", _target.Name, _identity.Subject, _identity.Groups,
                DateTimeOffset.UtcNow, null, 0, 0, false), gateway.Recording.Options.MaxBytesPerSession);
            _recorder.Terminal(new TerminalNote(_hello.Command, _hello.Pty ? _hello.Term : null, _hello.Columns, _hello.Rows));
        }
        try
        {
            await DecideAndRunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _recorder?.End();
        }
    }

    private async Task DecideAndRunAsync(CancellationToken cancellationToken)
    {
        var command = _hello.Command;
        if (FileTransfer.Refusal(command) is { } transfer)
        {
            _verdict = new SshVerdict(RiskTier.Critical, "ssh-file-transfer", "file-transfer");
            Audit(AuditDecision.Blocked, null, [], null, null);
            _recorder?.Decision(null, AuditDecision.Blocked.ToName(), [], transfer);
            await RefuseAsync(transfer, cancellationToken).ConfigureAwait(false);
            return;
        }
        _verdict = command is null
            ? gateway.Policy.EvaluateShell(_target!, _identity!.Groups)
            : gateway.Policy.EvaluateCommand(_target!, _identity!.Groups, ShellCommandLine.Parse(command));
        if (_verdict.Tier == RiskTier.Critical)
        {
            var why = $"blocked by policy rule \"{_verdict.Rule}\" (tier critical)";
            Audit(AuditDecision.Blocked, null, [], null, null);
            _recorder?.Decision(null, AuditDecision.Blocked.ToName(), [], why);
            await RefuseAsync(why, cancellationToken).ConfigureAwait(false);
            return;
        }

        Guid? requestId = null;
        IReadOnlyList<string> decidedBy = [];
        long? holdUs = null;
        if (_verdict.Tier >= RiskTier.Medium)
        {
            var heldAt = Stopwatch.GetTimestamp();
            var decision = await HoldAsync(command, cancellationToken).ConfigureAwait(false);
            if (decision is null) return;
            requestId = decision.RequestId;
            decidedBy = decision.DecidedBy;
            holdUs = (long)Stopwatch.GetElapsedTime(heldAt).TotalMicroseconds;
            if (!decision.Releases) return;
        }

        int exitCode;
        try
        {
            var upstream = await SshUpstream.ConnectAsync(_target!, cancellationToken).ConfigureAwait(false);
            try
            {
                await SendAsync(ShimFrame.Start, new byte[] { (byte)(_hello.Pty ? 1 : 0) }, cancellationToken).ConfigureAwait(false);
                exitCode = command is null
                    ? await SshShellRelay.RunAsync(this, upstream, cancellationToken).ConfigureAwait(false)
                    : await SshExecRelay.RunAsync(this, upstream, command, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Disconnecting waits for SSH.NET's listener thread: not on the caller's thread.
                await Task.Run(upstream.Dispose, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SshAccessException or Renci.SshNet.Common.SshException or System.Net.Sockets.SocketException)
        {
            var why = e is SshAccessException ? e.Message : $"the connection to {_target!.Name} failed: {e.Message}";
            LogUpstreamFailed(logger, _target!.Name, why);
            Audit(AuditDecision.Failed, requestId, decidedBy, holdUs, null);
            _recorder?.Decision(requestId, AuditDecision.Failed.ToName(), decidedBy, why);
            await RefuseAsync(why, cancellationToken).ConfigureAwait(false);
            return;
        }
        Audit(requestId is null ? AuditDecision.Allowed : AuditDecision.Approved, requestId, decidedBy, holdUs, exitCode);
        await SendAsync(ShimFrame.Exit, ShimFrame.Int32(exitCode), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Submits the request, tells the agent, and waits for the decision or the agent leaving. Null when it could not be held.</summary>
    private async Task<ApprovalDecision?> HoldAsync(string? command, CancellationToken cancellationToken)
    {
        var shown = command ?? $"interactive shell ({(_hello.Pty ? $"{_hello.Term} {_hello.Columns}x{_hello.Rows}" : "no terminal")}; at most {Configuration.DurationText.Format(gateway.Options.SessionLimit)})";
        var request = new ApprovalRequest
        {
            Id = Guid.NewGuid(),
            Protocol = "ssh",
            Connection = _target!.Name,
            ConnectionTags = _target.Tags,
            Requester = _identity!.Subject,
            RequesterGroups = _identity.Groups,
            Command = shown,
            CommandClass = _verdict.CommandClass,
            Tier = _verdict.Tier,
            Rule = _verdict.Rule,
            PayloadSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(command ?? ""))),
            ApproverGroups = _target.ApproverGroups,
            SessionId = _sessionId.ToString(),
        };
        PendingApproval pending;
        try
        {
            // Not cancelled when the agent leaves: once stored, the request must come back as a PendingApproval so it can be withdrawn.
            pending = await gateway.Approvals.SubmitAsync(request, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ApprovalStoreUnavailableException e)
        {
            Audit(AuditDecision.Failed, request.Id, [], null, null);
            await RefuseAsync($"the command needs approval, but TicketGate can't hold it right now ({e.Message}); it was not run", cancellationToken).ConfigureAwait(false);
            return null;
        }
        _recorder?.Hold(request);
        LogHeld(logger, request.Id, _target.Name, _identity.Subject);

        ApprovalDecision decision;
        string? withdrawn = null;
        try
        {
            await NoticeAsync($"TicketGate: held for approval as request {request.Id} (tier {_verdict.Tier.ToName()}, rule \"{_verdict.Rule}\")\n" +
                $"TicketGate: approve or reject at {pending.ApprovalLink}\n", cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var read = NextFrame(cancellationToken);
                var done = await Task.WhenAny(pending.Decision, read).ConfigureAwait(false);
                if (done == pending.Decision)
                {
                    decision = await pending.Decision.ConfigureAwait(false);
                    break;
                }
                var frame = TakeFrame(await read.ConfigureAwait(false));
                if (frame is null)
                {
                    withdrawn = "the agent disconnected while the command was held";
                    decision = await pending.WithdrawAsync(withdrawn).ConfigureAwait(false);
                    break;
                }
                Early(frame.Value);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            withdrawn = stopping.IsCancellationRequested ? "TicketGate stopped while the command was held" : "the agent disconnected while the command was held";
            decision = await pending.WithdrawAsync(withdrawn).ConfigureAwait(false);
        }

        if (decision.Releases && withdrawn is null)
        {
            try
            {
                var by = decision.DecidedBy.Count > 0 ? $" by {string.Join(", ", decision.DecidedBy)}" : "";
                await NoticeAsync($"TicketGate: approved{by}; running on {_target.Name}\n", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                withdrawn = "the agent disconnected as the command was approved";
            }
        }
        if (decision.Releases)
        {
            if (withdrawn is not null)
            {
                // Approved just as the agent left: nobody is there to run it for.
                Audit(AuditDecision.Withdrawn, request.Id, decision.DecidedBy, null, null);
                _recorder?.Decision(request.Id, AuditDecision.Withdrawn.ToName(), decision.DecidedBy, "approved, but the agent had left: not run");
                return decision with { Status = ApprovalStatus.Withdrawn };
            }
            _recorder?.Decision(request.Id, AuditDecision.Approved.ToName(), decision.DecidedBy, decision.Reason);
            return decision;
        }

        var kind = decision.Status switch
        {
            ApprovalStatus.Rejected => AuditDecision.Rejected,
            ApprovalStatus.Expired => AuditDecision.Expired,
            _ => AuditDecision.Withdrawn,
        };
        Audit(kind, request.Id, decision.DecidedBy, null, null);
        _recorder?.Decision(request.Id, kind.ToName(), decision.DecidedBy, decision.Reason);
        if (withdrawn is null)
        {
            var who = decision.DecidedBy.Count > 0 ? $" by {string.Join(", ", decision.DecidedBy)}" : decision.ByFallback ? " by the workflow's fallback" : "";
            await RefuseAsync($"request {request.Id} was {decision.Status.ToName()}{who}: {decision.Reason ?? "no reason given"}; the command was not run",
                cancellationToken).ConfigureAwait(false);
        }
        return decision;
    }

    internal ShimHello Hello => _hello;
    internal SshOptions Options => gateway.Options;
    internal SessionRecorder? Recorder => _recorder;

    /// <summary>The next frame from the shim; a read left pending by the hold is continued rather than doubled.</summary>
    internal Task<(byte Kind, byte[] Payload)?> NextFrame(CancellationToken cancellationToken) =>
        _pendingRead ??= ShimFrame.ReadAsync(input, cancellationToken).AsTask();

    internal (byte Kind, byte[] Payload)? TakeFrame((byte Kind, byte[] Payload)? frame)
    {
        _pendingRead = null;
        if (frame is { Kind: ShimFrame.Stdin } data) _recorder?.Client(new ReadOnlySequence<byte>(data.Payload));
        return frame;
    }

    /// <summary>Input the shim sent before the command started (it should wait, but a frame in flight is kept, not lost).</summary>
    internal (IReadOnlyList<byte[]> Data, bool Closed) TakeEarlyInput() => (_earlyInput, _earlyInputClosed);

    private void Early((byte Kind, byte[] Payload) frame)
    {
        switch (frame.Kind)
        {
            case ShimFrame.Stdin:
                _earlyInput.Add(frame.Payload);
                break;
            case ShimFrame.StdinClosed:
                _earlyInputClosed = true;
                break;
            case ShimFrame.Resize:
                var (columns, rows) = ShimFrame.ReadSize(frame.Payload);
                _hello = _hello with { Columns = columns, Rows = rows };
                break;
        }
    }

    /// <summary>Relays output to the agent and records it; stdout and stderr pumps take turns.</summary>
    internal async Task SendAsync(byte kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (kind is ShimFrame.Stdout or ShimFrame.Stderr && _recorder is not null)
            {
                _recorder.Server(payload.Span);
                _recorder.EndServerBatch();
            }
            await ShimFrame.WriteAsync(output, kind, payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal Task NoticeAsync(string text, CancellationToken cancellationToken) =>
        SendAsync(ShimFrame.Notice, Encoding.UTF8.GetBytes(_hello.Pty ? text.ReplaceLineEndings("\r\n") : text), cancellationToken);

    private async Task RefuseAsync(string message, CancellationToken cancellationToken)
    {
        await NoticeAsync($"TicketGate: {message}\n", cancellationToken).ConfigureAwait(false);
        await SendAsync(ShimFrame.Exit, ShimFrame.Int32(RefusedExitCode), cancellationToken).ConfigureAwait(false);
    }

    private void Audit(AuditDecision decision, Guid? requestId, IReadOnlyList<string> decidedBy, long? holdUs, int? exitCode, string? refusal = null)
    {
        gateway.Audit.TryAppend(new AuditEntry
        {
            At = DateTimeOffset.UtcNow,
            SessionId = _sessionId == Guid.Empty ? null : _sessionId.ToString(),
            Protocol = "ssh",
            Connection = _target?.Name ?? _hello.Target ?? "",
            Subject = _identity?.Subject ?? "",
            Groups = _identity?.Groups ?? [],
            Statement = (_hello.Command ?? "interactive shell") + (refusal is null ? "" : $" (refused: {refusal})"),
            StatementClass = _verdict.CommandClass,
            Tier = _verdict.Tier,
            Rule = _verdict.Rule,
            Decision = decision,
            RequestId = requestId,
            DecidedBy = decidedBy,
            DurationUs = (long)Stopwatch.GetElapsedTime(_started).TotalMicroseconds,
            HoldUs = holdUs,
            CommandTag = exitCode is { } code ? $"exit {code}" : null,
        });
    }

    /// <summary>The certificate blob from SSH_USER_AUTH ("publickey ALGORITHM BASE64" lines; the last certificate counts).</summary>
    private static byte[] CertificateOf(string? userAuth)
    {
        byte[]? found = null;
        foreach (var line in (userAuth ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && parts[0] == "publickey" && parts[1].EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal))
            {
                try
                {
                    found = Convert.FromBase64String(parts[2]);
                }
                catch (FormatException)
                {
                    throw new SshAccessException("the login certificate sshd reported is not base64");
                }
            }
        }
        return found ?? throw new SshAccessException("the login did not use a certificate (is ExposeAuthInfo on in the bastion's sshd_config?)");
    }

    [LoggerMessage(720, LogLevel.Information, "SSH request for {Target} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string target, string reason);

    [LoggerMessage(721, LogLevel.Information, "SSH command held as request {RequestId} on {Target} for {Subject}")]
    private static partial void LogHeld(ILogger logger, Guid requestId, string target, string subject);

    [LoggerMessage(722, LogLevel.Warning, "SSH upstream {Target} failed: {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string target, string reason);
}
