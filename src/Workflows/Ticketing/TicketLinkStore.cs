using Npgsql;
using NpgsqlTypes;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Workflows.Ticketing;

public enum TicketLinkState
{
    /// <summary>Waiting for the ticket's decision; the poller and webhooks look at it.</summary>
    Open,
    /// <summary>A decision was read and reported to the workflow.</summary>
    Decided,
    /// <summary>A decision was read but could not count (after the deadline, by the requester, request no longer pending).</summary>
    Ignored,
    /// <summary>TicketGate wrote the outcome on the ticket and moved it to its done or cancelled status.</summary>
    Closed,
}

/// <summary>The ticket opened for one held command, and where following it stands.</summary>
public sealed record TicketLink(Guid RequestId, string System, TicketRef Ticket, TicketLinkState State, DateTimeOffset Deadline,
    int PollFailures, string? Note);

/// <summary>
/// Tickets TicketGate opened, in the state database: a webhook or poll result only counts for a ticket listed here, and polling
/// walks the open ones in batches, claiming each batch so several gateways never poll the same ticket at once.
/// </summary>
public sealed class TicketLinkStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "request_id, system, kind, ticket_id, ticket_key, url, idempotency_key, state, deadline, poll_failures, note";

    public async Task InsertAsync(Guid requestId, string system, TicketRef ticket, DateTimeOffset deadline, DateTimeOffset firstPollAt,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO ticketgate.ticket_links (request_id, system, kind, ticket_id, ticket_key, url, idempotency_key, deadline, next_poll_at)
            VALUES (@request, @system, @kind, @id, @key, @url, @idempotency, @deadline, @poll)
            ON CONFLICT (request_id) DO NOTHING
            """);
        var p = command.Parameters;
        p.AddWithValue("request", requestId);
        p.AddWithValue("system", system);
        p.AddWithValue("kind", ticket.System.ToString());
        p.AddWithValue("id", ticket.Id);
        p.AddWithValue("key", ticket.Key);
        p.AddWithValue("url", ticket.Url.ToString());
        p.AddWithValue("idempotency", ticket.IdempotencyKey);
        p.AddWithValue("deadline", deadline.ToUniversalTime());
        p.AddWithValue("poll", firstPollAt.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<TicketLink?> FindAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM ticketgate.ticket_links WHERE request_id = @request");
        command.Parameters.AddWithValue("request", requestId);
        var found = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The link of a ticket named by a webhook: by the system's record id, or by its key (PROJ-1, CHG0001).</summary>
    public async Task<TicketLink?> FindByTicketAsync(string system, string idOrKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM ticketgate.ticket_links WHERE system = @system AND (ticket_id = @ticket OR ticket_key = @ticket) LIMIT 1");
        command.Parameters.AddWithValue("system", system);
        command.Parameters.AddWithValue("ticket", idOrKey);
        var found = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> open links of <paramref name="system"/> whose poll is due: their next poll moves to
    /// <paramref name="leaseUntil"/>, so another gateway's poller skips them while this one works.
    /// </summary>
    public async Task<IReadOnlyList<TicketLink>> ClaimDueAsync(string system, DateTimeOffset now, DateTimeOffset leaseUntil, int limit,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE ticketgate.ticket_links SET next_poll_at = @lease
            WHERE request_id IN (
                SELECT request_id FROM ticketgate.ticket_links
                WHERE system = @system AND state = 'open' AND next_poll_at <= @now
                ORDER BY next_poll_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """);
        var p = command.Parameters;
        p.AddWithValue("system", system);
        p.AddWithValue("now", now.ToUniversalTime());
        p.AddWithValue("lease", leaseUntil.ToUniversalTime());
        p.AddWithValue("limit", limit);
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a poll: when to look again, and how many polls in a row failed (0 after a good one).</summary>
    public async Task SchedulePollAsync(Guid requestId, DateTimeOffset nextPollAt, int failures, string? error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE ticketgate.ticket_links SET next_poll_at = @next, poll_failures = @failures, last_error = @error " +
            "WHERE request_id = @request AND state = 'open'");
        command.Parameters.AddWithValue("request", requestId);
        command.Parameters.AddWithValue("next", nextPollAt.ToUniversalTime());
        command.Parameters.AddWithValue("failures", failures);
        command.Parameters.AddWithValue("error", NpgsqlDbType.Text, (object?)error ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves an open link on; false when it was no longer open (another webhook or poll got there first).</summary>
    public async Task<bool> SettleAsync(Guid requestId, TicketLinkState state, string note, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE ticketgate.ticket_links SET state = @state, note = @note WHERE request_id = @request AND state = 'open'");
        command.Parameters.AddWithValue("request", requestId);
        command.Parameters.AddWithValue("state", Name(state));
        command.Parameters.AddWithValue("note", note);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Notes why a ticket's state did not count, keeping it followed; false when that note was already there.</summary>
    public async Task<bool> NoteAsync(Guid requestId, string note, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE ticketgate.ticket_links SET note = @note WHERE request_id = @request AND note IS DISTINCT FROM @note");
        command.Parameters.AddWithValue("request", requestId);
        command.Parameters.AddWithValue("note", note);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Marks the ticket closed once; false when it was closed before.</summary>
    public async Task<bool> MarkClosedAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE ticketgate.ticket_links SET state = 'closed', closed_at = now() WHERE request_id = @request AND state <> 'closed'");
        command.Parameters.AddWithValue("request", requestId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static string Name(TicketLinkState state) => state.ToString().ToLowerInvariant();

    private static async Task<IReadOnlyList<TicketLink>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var links = new List<TicketLink>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var kind = Enum.Parse<TicketSystemKind>(reader.GetString(2));
            var ticket = new TicketRef(kind, reader.GetString(3), reader.GetString(4), new Uri(reader.GetString(5)), reader.GetString(6));
            links.Add(new TicketLink(reader.GetGuid(0), reader.GetString(1), ticket, Enum.Parse<TicketLinkState>(reader.GetString(7), ignoreCase: true),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
        }
        return links;
    }
}
