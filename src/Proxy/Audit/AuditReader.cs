using System.Runtime.CompilerServices;
using Npgsql;

namespace TicketGate.Proxy.Audit;

/// <summary>Reads the audit log for <c>ticketgate audit tail [-f]</c>.</summary>
public sealed class AuditReader(NpgsqlDataSource dataSource)
{
    private const int FollowPage = 1_000;

    public static TimeSpan DefaultPollInterval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The newest <paramref name="limit"/> rows, returned oldest first (the order a terminal prints them).</summary>
    public async Task<IReadOnlyList<AuditRecord>> TailAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT * FROM (
                SELECT id, {AuditLogTable.Columns} FROM ticketgate.audit_log ORDER BY id DESC LIMIT @limit
            ) newest ORDER BY id
            """, connection);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Yields every row with an id above <paramref name="afterId"/>, then keeps polling for new ones; cancelling ends the
    /// sequence without an exception.
    /// Ids are handed out when a row is inserted but seen when its transaction commits, so a row from a slower concurrent
    /// write can land below an id already shown and be missed; the tail is for watching, the table is the record.
    /// </summary>
    public async IAsyncEnumerable<AuditRecord> FollowAsync(
        long afterId, TimeSpan? pollInterval = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? DefaultPollInterval;
        var last = afterId;
        while (true)
        {
            var page = await NextPageAsync(last, cancellationToken);
            if (page is null) yield break;
            foreach (var record in page)
            {
                last = record.Id;
                yield return record;
            }
            if (page.Count < FollowPage && !await PauseAsync(interval, cancellationToken)) yield break;
        }
    }

    /// <summary>The rows after <paramref name="afterId"/>, or null once cancelled (following ends quietly).</summary>
    private async Task<IReadOnlyList<AuditRecord>?> NextPageAsync(long afterId, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                $"SELECT id, {AuditLogTable.Columns} FROM ticketgate.audit_log WHERE id > @after ORDER BY id LIMIT @page",
                connection);
            command.Parameters.AddWithValue("after", afterId);
            command.Parameters.AddWithValue("page", FollowPage);
            return await ReadAsync(command, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task<bool> PauseAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(interval, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<IReadOnlyList<AuditRecord>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var records = new List<AuditRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) records.Add(AuditLogTable.Read(reader));
        return records;
    }
}
