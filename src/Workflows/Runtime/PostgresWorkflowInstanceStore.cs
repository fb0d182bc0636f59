using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Runtime;

/// <summary>
/// Instances and bookmarks in TicketGate's state database (<c>ticketgate.workflow_instances</c>,
/// <c>ticketgate.workflow_bookmarks</c>). A save is one transaction: consume the resumed bookmark only if still open,
/// update the instance only at the version it was read, insert new bookmarks, cancel vanished ones.
/// </summary>
public sealed class PostgresWorkflowInstanceStore(NpgsqlDataSource dataSource) : IWorkflowInstanceStore
{
    public async Task InsertAsync(WorkflowInstance instance, CancellationToken cancellationToken)
    {
        // One round trip: a batch without a transaction runs in one implicit transaction (a single Sync), all or nothing.
        await using var batch = dataSource.CreateBatch();
        var insert = new NpgsqlBatchCommand(
            """
            INSERT INTO ticketgate.workflow_instances (id, definition_id, definition_version_id, definition_version, status,
                sub_status, correlation_id, incident_count, state, concurrency, created_at, updated_at, finished_at)
            VALUES (@id, @definition_id, @definition_version_id, @definition_version, @status, @sub_status, @correlation_id,
                    @incident_count, @state, 1, @created_at, @updated_at, @finished_at)
            """);
        AddInstanceParameters(insert, instance);
        insert.Parameters.AddWithValue("definition_id", instance.DefinitionId);
        insert.Parameters.AddWithValue("definition_version_id", instance.DefinitionVersionId);
        insert.Parameters.AddWithValue("definition_version", instance.DefinitionVersion);
        insert.Parameters.AddWithValue("created_at", instance.CreatedAt.ToUniversalTime());
        batch.BatchCommands.Add(insert);
        foreach (var bookmark in instance.Bookmarks) batch.BatchCommands.Add(InsertBookmark(bookmark));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        instance.ConcurrencyVersion = 1;
    }

    public async Task<SaveOutcome> SaveAsync(WorkflowInstance instance, string? consumedBookmarkId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var now = DateTime.UtcNow;

        NpgsqlBatchCommand? consume = null;
        if (consumedBookmarkId is not null)
        {
            // First, so a duplicate resume blocks on this row and then finds it consumed.
            consume = new NpgsqlBatchCommand(
                "UPDATE ticketgate.workflow_bookmarks SET consumed_at = @now WHERE id = @id AND consumed_at IS NULL");
            consume.Parameters.AddWithValue("id", consumedBookmarkId);
            consume.Parameters.AddWithValue("now", now);
            batch.BatchCommands.Add(consume);
        }
        var update = new NpgsqlBatchCommand(
            """
            UPDATE ticketgate.workflow_instances
            SET status = @status, sub_status = @sub_status, correlation_id = @correlation_id, incident_count = @incident_count,
                state = @state, concurrency = concurrency + 1, updated_at = @updated_at, finished_at = @finished_at
            WHERE id = @id AND concurrency = @expected
            """);
        AddInstanceParameters(update, instance);
        update.Parameters.AddWithValue("expected", instance.ConcurrencyVersion);
        batch.BatchCommands.Add(update);

        var keep = new string[instance.Bookmarks.Count];
        for (var i = 0; i < keep.Length; i++) keep[i] = instance.Bookmarks[i].Id;
        var cancel = new NpgsqlBatchCommand(
            """
            UPDATE ticketgate.workflow_bookmarks SET consumed_at = @now, cancelled = true
            WHERE instance_id = @instance AND consumed_at IS NULL AND NOT (id = ANY(@keep))
            """);
        cancel.Parameters.AddWithValue("instance", instance.Id);
        cancel.Parameters.AddWithValue("now", now);
        cancel.Parameters.AddWithValue("keep", keep);
        batch.BatchCommands.Add(cancel);
        foreach (var bookmark in instance.Bookmarks) batch.BatchCommands.Add(InsertBookmark(bookmark));

        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (consume is not null && consume.RecordsAffected == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return SaveOutcome.BookmarkAlreadyConsumed;
        }
        if (update.RecordsAffected == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return SaveOutcome.Conflict;
        }
        await transaction.CommitAsync(cancellationToken);
        instance.ConcurrencyVersion++;
        return SaveOutcome.Saved;
    }

    public async Task<WorkflowInstance?> FindAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT state::text, concurrency FROM ticketgate.workflow_instances WHERE id = @id");
        command.Parameters.AddWithValue("id", instanceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var instance = JsonSerializer.Deserialize<WorkflowInstance>(reader.GetString(0), WorkflowJson.Options)
            ?? throw new InvalidDataException($"Workflow instance {instanceId} has a null state in the database.");
        instance.ConcurrencyVersion = reader.GetInt64(1);
        return instance;
    }

    public async Task<StoredBookmark?> FindBookmarkAsync(string bookmarkId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT bookmark::text, consumed_at, cancelled FROM ticketgate.workflow_bookmarks WHERE id = @id");
        command.Parameters.AddWithValue("id", bookmarkId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new StoredBookmark(ReadBookmark(reader.GetString(0)),
            reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2));
    }

    public Task<IReadOnlyList<Bookmark>> ListTimersAsync(CancellationToken cancellationToken) => ListAsync(
        "SELECT bookmark::text FROM ticketgate.workflow_bookmarks WHERE consumed_at IS NULL AND due_at IS NOT NULL ORDER BY due_at, id",
        null, cancellationToken);

    public Task<IReadOnlyList<Bookmark>> FindByHashAsync(string hash, CancellationToken cancellationToken) => ListAsync(
        "SELECT bookmark::text FROM ticketgate.workflow_bookmarks WHERE hash = @hash AND consumed_at IS NULL ORDER BY created_at, id",
        hash, cancellationToken);

    private async Task<IReadOnlyList<Bookmark>> ListAsync(string sql, string? hash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        if (hash is not null) command.Parameters.AddWithValue("hash", hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<Bookmark>();
        while (await reader.ReadAsync(cancellationToken)) result.Add(ReadBookmark(reader.GetString(0)));
        return result;
    }

    private static void AddInstanceParameters(NpgsqlBatchCommand command, WorkflowInstance instance)
    {
        var p = command.Parameters;
        p.AddWithValue("id", instance.Id);
        p.AddWithValue("status", instance.Status.ToString());
        p.AddWithValue("sub_status", instance.SubStatus.ToString());
        p.AddWithValue("correlation_id", NpgsqlDbType.Text, (object?)instance.CorrelationId ?? DBNull.Value);
        p.AddWithValue("incident_count", instance.Incidents.Count);
        p.AddWithValue("state", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(instance, WorkflowJson.Options));
        p.AddWithValue("updated_at", instance.UpdatedAt.ToUniversalTime());
        p.AddWithValue("finished_at", NpgsqlDbType.TimestampTz, (object?)instance.FinishedAt?.ToUniversalTime() ?? DBNull.Value);
    }

    private static NpgsqlBatchCommand InsertBookmark(Bookmark bookmark)
    {
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO ticketgate.workflow_bookmarks (id, instance_id, activity_id, activity_instance_id, name, hash, bookmark, due_at, created_at)
            VALUES (@id, @instance, @activity, @activity_instance, @name, @hash, @bookmark, @due_at, @created_at)
            ON CONFLICT (id) DO NOTHING
            """);
        var p = command.Parameters;
        p.AddWithValue("id", bookmark.Id);
        p.AddWithValue("instance", bookmark.WorkflowInstanceId);
        p.AddWithValue("activity", bookmark.ActivityId);
        p.AddWithValue("activity_instance", bookmark.ActivityInstanceId);
        p.AddWithValue("name", bookmark.Name);
        p.AddWithValue("hash", bookmark.Hash);
        p.AddWithValue("bookmark", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(bookmark, WorkflowJson.Options));
        p.AddWithValue("due_at", NpgsqlDbType.TimestampTz, (object?)bookmark.DueAt?.ToUniversalTime() ?? DBNull.Value);
        p.AddWithValue("created_at", bookmark.CreatedAt.ToUniversalTime());
        return command;
    }

    private static Bookmark ReadBookmark(string json) =>
        JsonSerializer.Deserialize<Bookmark>(json, WorkflowJson.Options)
        ?? throw new InvalidDataException("A workflow bookmark row holds JSON null.");
}
