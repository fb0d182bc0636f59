using Npgsql;
using NpgsqlTypes;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Audit;

/// <summary>The shape of <c>ticketgate.audit_log</c>: writing entries with binary COPY and reading them back.</summary>
internal static class AuditLogTable
{
    public const string Columns =
        "at, session_id, protocol, connection, subject, groups, statement, statement_class, tier, rule, decision, " +
        "request_id, decided_by, duration_us, hold_us, rows_affected, command_tag, sqlstate, lost_entries, lost_from, lost_to, release_us";

    /// <summary>Writes the gap row (when given) and then the entries in one COPY, so they commit together.</summary>
    public static async Task CopyAsync(
        NpgsqlConnection connection, AuditEntry? gap, IReadOnlyList<AuditEntry> entries, int start, int count,
        CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY ticketgate.audit_log ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        if (gap is not null) await WriteRowAsync(writer, gap, cancellationToken);
        for (var i = start; i < start + count; i++) await WriteRowAsync(writer, entries[i], cancellationToken);
        await writer.CompleteAsync(cancellationToken);
    }

    public static AuditRecord Read(NpgsqlDataReader row)
    {
        // Column 0 is the id; the rest follow Columns.
        var lost = row.IsDBNull(19) ? (long?)null : row.GetInt64(19);
        var entry = new AuditEntry
        {
            At = row.GetFieldValue<DateTimeOffset>(1),
            SessionId = NullableText(row, 2),
            Protocol = row.GetString(3),
            Connection = row.GetString(4),
            Subject = row.GetString(5),
            Groups = row.GetFieldValue<string[]>(6),
            Statement = row.GetString(7),
            StatementClass = NullableText(row, 8),
            Tier = RiskTierNames.TryParse(NullableText(row, 9), out var tier) ? tier : null,
            Rule = NullableText(row, 10),
            Decision = AuditDecisionNames.TryParse(row.GetString(11), out var decision)
                ? decision
                : throw new InvalidDataException($"Audit row {row.GetInt64(0)} has an unknown decision '{row.GetString(11)}'."),
            RequestId = row.IsDBNull(12) ? null : row.GetGuid(12),
            DecidedBy = row.GetFieldValue<string[]>(13),
            DurationUs = row.GetInt64(14),
            HoldUs = row.IsDBNull(15) ? null : row.GetInt64(15),
            RowsAffected = row.IsDBNull(16) ? null : row.GetInt64(16),
            CommandTag = NullableText(row, 17),
            SqlState = NullableText(row, 18),
            Gap = lost is { } n
                ? new AuditGap(n, row.GetFieldValue<DateTimeOffset>(20), row.GetFieldValue<DateTimeOffset>(21))
                : null,
            ReleaseUs = row.IsDBNull(22) ? null : row.GetInt64(22),
        };
        return new AuditRecord(row.GetInt64(0), entry);
    }

    private static async Task WriteRowAsync(NpgsqlBinaryImporter writer, AuditEntry e, CancellationToken ct)
    {
        await writer.StartRowAsync(ct);
        await writer.WriteAsync(e.At.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
        await WriteTextAsync(writer, e.SessionId, ct);
        await writer.WriteAsync(e.Protocol, NpgsqlDbType.Text, ct);
        await writer.WriteAsync(e.Connection, NpgsqlDbType.Text, ct);
        await writer.WriteAsync(e.Subject, NpgsqlDbType.Text, ct);
        await writer.WriteAsync(AsArray(e.Groups), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        await writer.WriteAsync(e.Statement, NpgsqlDbType.Text, ct);
        await WriteTextAsync(writer, e.StatementClass, ct);
        await WriteTextAsync(writer, e.Tier?.ToName(), ct);
        await WriteTextAsync(writer, e.Rule, ct);
        await writer.WriteAsync(e.Decision.ToName(), NpgsqlDbType.Text, ct);
        if (e.RequestId is { } requestId) await writer.WriteAsync(requestId, NpgsqlDbType.Uuid, ct);
        else await writer.WriteNullAsync(ct);
        await writer.WriteAsync(AsArray(e.DecidedBy), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        await writer.WriteAsync(e.DurationUs, NpgsqlDbType.Bigint, ct);
        await WriteBigintAsync(writer, e.HoldUs, ct);
        await WriteBigintAsync(writer, e.RowsAffected, ct);
        await WriteTextAsync(writer, e.CommandTag, ct);
        await WriteTextAsync(writer, e.SqlState, ct);
        if (e.Gap is { } gap)
        {
            await writer.WriteAsync(gap.LostEntries, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(gap.From.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
            await writer.WriteAsync(gap.To.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
        }
        else
        {
            await writer.WriteNullAsync(ct);
            await writer.WriteNullAsync(ct);
            await writer.WriteNullAsync(ct);
        }
        await WriteBigintAsync(writer, e.ReleaseUs, ct);
    }

    private static string[] AsArray(IReadOnlyList<string> list) => list as string[] ?? [.. list];

    private static async Task WriteTextAsync(NpgsqlBinaryImporter writer, string? value, CancellationToken ct)
    {
        if (value is null) await writer.WriteNullAsync(ct);
        else await writer.WriteAsync(value, NpgsqlDbType.Text, ct);
    }

    private static async Task WriteBigintAsync(NpgsqlBinaryImporter writer, long? value, CancellationToken ct)
    {
        if (value is { } v) await writer.WriteAsync(v, NpgsqlDbType.Bigint, ct);
        else await writer.WriteNullAsync(ct);
    }

    private static string? NullableText(NpgsqlDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
}
