using Npgsql;

namespace TicketGate.Proxy.Recording;

/// <summary>Which sessions to list: any of them may be left out.</summary>
public sealed record SessionFilter(string? Subject = null, string? Connection = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 100);

/// <summary>Reads recorded sessions back for the API, `ticketgate sessions list` and `ticketgate replay`.</summary>
public sealed class RecordingReader(NpgsqlDataSource dataSource)
{
    /// <summary>Sessions matching <paramref name="filter"/>, newest first; From and To bound the start time.</summary>
    public async Task<IReadOnlyList<RecordedSession>> ListAsync(SessionFilter filter, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(RecordingTables.SelectSessions + """
             WHERE ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR connection = $2)
               AND ($3::timestamptz IS NULL OR started_at >= $3) AND ($4::timestamptz IS NULL OR started_at < $4)
             ORDER BY started_at DESC LIMIT $5
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.Subject ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.Connection ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.From?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.To?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = filter.Limit });
        var sessions = new List<RecordedSession>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) sessions.Add(RecordingTables.ReadSession(reader));
        return sessions;
    }

    /// <summary>The session and its events in order; null when there is no such session.</summary>
    public async Task<(RecordedSession Session, IReadOnlyList<RecordedEvent> Events)?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        RecordedSession? session = null;
        await using (var command = dataSource.CreateCommand(RecordingTables.SelectSessions + " WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) session = RecordingTables.ReadSession(reader);
        }
        if (session is null) return null;
        var events = new List<RecordedEvent>();
        await using (var command = dataSource.CreateCommand(
            "SELECT seq, offset_us, kind, payload FROM ticketgate.session_events WHERE session_id = $1 ORDER BY seq"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(new RecordedEvent(id, reader.GetInt32(0), reader.GetInt64(1), RecordedEventKinds.Parse(reader.GetString(2)),
                    reader.GetFieldValue<byte[]>(3)));
            }
        }
        return (session, events);
    }
}
