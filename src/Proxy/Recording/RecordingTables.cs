using Npgsql;
using NpgsqlTypes;

namespace TicketGate.Proxy.Recording;

/// <summary>The shape of the recording tables: writing sessions and events, reading them back.</summary>
internal static class RecordingTables
{
    private const string SessionColumns = "id, protocol, connection, subject, groups, started_at, ended_at, recorded_bytes, omitted_bytes, truncated";

    public static async Task UpsertSessionsAsync(NpgsqlConnection connection, List<RecordedSession> sessions, CancellationToken cancellationToken)
    {
        if (sessions.Count == 0) return;
        await using var batch = new NpgsqlBatch(connection);
        foreach (var s in sessions)
        {
            var command = new NpgsqlBatchCommand($"""
                INSERT INTO ticketgate.recorded_sessions ({SessionColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                ON CONFLICT (id) DO UPDATE SET ended_at = EXCLUDED.ended_at, recorded_bytes = EXCLUDED.recorded_bytes,
                    omitted_bytes = EXCLUDED.omitted_bytes, truncated = EXCLUDED.truncated
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = s.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = s.Protocol });
            command.Parameters.Add(new NpgsqlParameter { Value = s.Connection });
            command.Parameters.Add(new NpgsqlParameter { Value = s.Subject });
            command.Parameters.Add(new NpgsqlParameter { Value = s.Groups as string[] ?? [.. s.Groups] });
            command.Parameters.Add(new NpgsqlParameter { Value = s.StartedAt.ToUniversalTime() });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)s.EndedAt?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = s.RecordedBytes });
            command.Parameters.Add(new NpgsqlParameter { Value = s.OmittedBytes });
            command.Parameters.Add(new NpgsqlParameter { Value = s.Truncated });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task CopyEventsAsync(NpgsqlConnection connection, List<RecordedEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return;
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY ticketgate.session_events (session_id, seq, offset_us, kind, payload) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var e in events)
        {
            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(e.SessionId, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(e.Sequence, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(e.OffsetUs, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(e.Kind.ToName(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(e.Payload, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
        }
        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public static RecordedSession ReadSession(NpgsqlDataReader row) => new(
        row.GetGuid(0), row.GetString(1), row.GetString(2), row.GetString(3), row.GetFieldValue<string[]>(4),
        row.GetFieldValue<DateTimeOffset>(5), row.IsDBNull(6) ? null : row.GetFieldValue<DateTimeOffset>(6),
        row.GetInt64(7), row.GetInt64(8), row.GetBoolean(9));

    public const string SelectSessions = $"SELECT {SessionColumns} FROM ticketgate.recorded_sessions";
}
