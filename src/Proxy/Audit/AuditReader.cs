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
    /// Yields every row with an id above <paramref name="afterId"/>, then keeps polling for new ones until cancelled.
    /// Ids are handed out when a row is inserted but seen when its transaction commits, so a row from a slower concurrent
    /// write can land below an id already shown and be missed; the tail is for watching, the table is the record.
    /// </summary>
    public async IAsyncEnumerable<AuditRecord> FollowAsync(
        long afterId, TimeSpan? pollInterval = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? DefaultPollInterval;
        var last = afterId;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<AuditRecord> page;
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var command = new NpgsqlCommand(
                $"SELECT id, {AuditLogTable.Columns} FROM ticketgate.audit_log WHERE id > @after ORDER BY id LIMIT @page",
                connection))
            {
                command.Parameters.AddWithValue("after", last);
                command.Parameters.AddWithValue("page", FollowPage);
                page = await ReadAsync(command, cancellationToken);
            }
            foreach (var record in page)
            {
                last = record.Id;
                yield return record;
            }
            if (page.Count < FollowPage)
            {
                try
                {
                    await Task.Delay(interval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
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
