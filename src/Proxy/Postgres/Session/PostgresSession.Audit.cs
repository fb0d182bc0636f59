using System.Buffers.Text;
using System.Diagnostics;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Postgres.Messages;

namespace TicketGate.Proxy.Postgres.Session;

internal sealed partial class PostgresSession
{
    /// <summary>A statement's completion (CommandComplete and kin) or error from the upstream, off to the audit log.</summary>
    private void RecordCompleted(StatementTrace trace, byte code, ReadOnlySpan<byte> body)
    {
        string? tag = null;
        long? rows = null;
        string? sqlState = null;
        if (code == BackendCode.CommandComplete) (tag, rows) = CommandTags.Parse(body);
        else if (code == BackendCode.EmptyQueryResponse) tag = "EMPTY";
        else if (code == BackendCode.PortalSuspended) tag = "SUSPENDED";
        else sqlState = ErrorFields.Get(body, (byte)'C');
        Append(trace, trace.Approved ? AuditDecision.Approved : AuditDecision.Allowed, tag, rows, sqlState);
    }

    private void RecordNotRun(StatementTrace trace) =>
        Append(trace, trace.Approved ? AuditDecision.Approved : AuditDecision.Allowed, "NOT RUN", null, null);

    /// <summary>Records each statement of a held command that was not forwarded (rejected, blocked, withdrawn, failed).</summary>
    private void Record(HeldCommand held, AuditDecision decision, Guid? requestId, IReadOnlyList<string> decidedBy, TimeSpan? holdTime = null)
    {
        foreach (var trace in held.Traces)
        {
            trace.RequestId = requestId;
            trace.DecidedBy = decidedBy;
            trace.HoldTicks = holdTime?.Ticks ?? 0;
            Append(trace, decision, null, null, null);
        }
        if (held.Traces.Count == 0)
        {
            Append(new StatementTrace
            {
                Text = held.Text,
                Class = held.Verdict.Class == StatementClass.None ? StatementClass.Opaque : held.Verdict.Class,
                Tier = held.Verdict.Tier,
                Rule = held.Verdict.Rule,
                ReceivedTimestamp = Stopwatch.GetTimestamp(),
                RequestId = requestId,
                DecidedBy = decidedBy,
                HoldTicks = holdTime?.Ticks ?? 0,
            }, decision, null, null, null);
        }
    }

    private void Append(StatementTrace trace, AuditDecision decision, string? tag, long? rows, string? sqlState)
    {
        _gateway.Audit.TryAppend(new AuditEntry
        {
            At = DateTimeOffset.UtcNow,
            SessionId = _sessionIdText,
            Protocol = "postgres",
            Connection = Connection.Name,
            Subject = Identity.Subject,
            Groups = Identity.Groups,
            Statement = trace.Text,
            StatementClass = trace.Class.ToName(),
            Tier = trace.Tier,
            Rule = trace.Rule,
            Decision = decision,
            RequestId = trace.RequestId,
            DecidedBy = trace.DecidedBy,
            DurationUs = Elapsed(trace.ReceivedTimestamp),
            HoldUs = trace.HoldTicks == 0 ? null : trace.HoldTicks / TimeSpan.TicksPerMicrosecond,
            ReleaseUs = trace.ReleaseTicks <= 0 ? null : trace.ReleaseTicks / TimeSpan.TicksPerMicrosecond,
            RowsAffected = rows,
            CommandTag = tag,
            SqlState = sqlState,
        });
    }
}

/// <summary>Reads CommandComplete tags ("INSERT 0 5", "SELECT 3") without allocating for the common verbs.</summary>
internal static class CommandTags
{
    private static readonly string[] Known =
        ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "FETCH", "MOVE", "BEGIN", "COMMIT", "ROLLBACK", "SET", "SHOW",
         "CREATE TABLE", "DROP TABLE", "ALTER TABLE", "TRUNCATE TABLE", "PREPARE", "DEALLOCATE", "DO", "CALL", "GRANT", "REVOKE"];

    public static (string Tag, long? Rows) Parse(ReadOnlySpan<byte> body)
    {
        var end = body.IndexOf((byte)0);
        var text = end < 0 ? body : body[..end];
        long? rows = null;
        var verbEnd = text.Length;
        var lastSpace = text.LastIndexOf((byte)' ');
        if (lastSpace > 0 && Utf8Parser.TryParse(text[(lastSpace + 1)..], out long n, out var consumed) && consumed == text.Length - lastSpace - 1)
        {
            rows = n;
            verbEnd = lastSpace;
            // "INSERT 0 5": the middle number is a legacy OID.
            var secondSpace = text[..lastSpace].LastIndexOf((byte)' ');
            if (secondSpace > 0 && Utf8Parser.TryParse(text[(secondSpace + 1)..lastSpace], out long _, out var c2) && c2 == lastSpace - secondSpace - 1)
            {
                verbEnd = secondSpace;
            }
        }
        var verb = text[..verbEnd];
        foreach (var known in Known)
        {
            if (verb.Length == known.Length && System.Text.Ascii.Equals(verb, known)) return (known, rows);
        }
        return (System.Text.Encoding.UTF8.GetString(verb), rows);
    }
}
