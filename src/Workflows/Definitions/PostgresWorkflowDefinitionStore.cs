using Npgsql;
using NpgsqlTypes;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Definitions;

/// <summary>A stored version: the definition with its server-assigned fields filled in from the row, and its content hash.</summary>
public sealed record StoredWorkflowDefinition(WorkflowDefinition Definition, string ContentHash, string? Source);

/// <summary>What an import did with one definition.</summary>
public enum ImportOutcome
{
    Imported,
    Unchanged,
}

/// <summary>
/// Definition versions in <c>ticketgate.workflow_definitions</c>, kept by the versioning rules of contract §5: at most
/// one draft (always the latest), exactly one published version after a publish. Every change to a definition holds
/// a transaction-scoped advisory lock on its id, so two processes can't both compute the next version.
/// </summary>
public sealed class PostgresWorkflowDefinitionStore(NpgsqlDataSource dataSource, TimeProvider? time = null)
{
    private const string Columns = "id, definition_id, version, is_latest, is_published, json, content_hash, source, created_at";
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>
    /// Saves a draft (§5 rules 1–2): a new definition starts at version 1; an unpublished latest version is overwritten in
    /// place; a published latest gets a new draft on top. The client's id, version and flags are ignored.
    /// </summary>
    public Task<StoredWorkflowDefinition> SaveDraftAsync(WorkflowDefinition model, CancellationToken cancellationToken) =>
        InLockAsync(model.DefinitionId ??= WorkflowIds.New()[..16], async (connection, transaction) =>
        {
            var latest = await FindAsync(connection, transaction, "definition_id = @definition_id AND is_latest", model.DefinitionId, cancellationToken);
            var definition = WorkflowJson.Clone(model);
            definition.IsLatest = true;
            definition.IsPublished = false;
            if (latest is { Definition.IsPublished: false })
            {
                definition.Id = latest.Definition.Id;
                definition.Version = latest.Definition.Version;
                definition.CreatedAt = latest.Definition.CreatedAt;
                await ExecuteAsync(connection, transaction, "DELETE FROM ticketgate.workflow_definitions WHERE id = @id", definition.Id!, cancellationToken);
            }
            else
            {
                definition.Id = WorkflowIds.New();
                definition.Version = await NextVersionAsync(connection, transaction, definition.DefinitionId!, cancellationToken);
                definition.CreatedAt = clock.GetUtcNow();
                await ExecuteAsync(connection, transaction,
                    "UPDATE ticketgate.workflow_definitions SET is_latest = false WHERE definition_id = @id AND is_latest", definition.DefinitionId!, cancellationToken);
            }
            return await InsertAsync(connection, transaction, definition, null, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Publishes the latest version (§5 rule 3) after <paramref name="validate"/> accepted it; every other version loses
    /// its latest/published flags. Returns null when the definition doesn't exist; AlreadyPublished when nothing changed.
    /// </summary>
    public Task<(StoredWorkflowDefinition Definition, bool AlreadyPublished)?> PublishLatestAsync(string definitionId,
        Action<StoredWorkflowDefinition> validate, CancellationToken cancellationToken) =>
        InLockAsync<(StoredWorkflowDefinition, bool)?>(definitionId, async (connection, transaction) =>
        {
            var latest = await FindAsync(connection, transaction, "definition_id = @definition_id AND is_latest", definitionId, cancellationToken);
            if (latest is null) return null;
            if (latest.Definition.IsPublished) return (latest, true);
            validate(latest);
            await ExecuteAsync(connection, transaction,
                """
                UPDATE ticketgate.workflow_definitions SET is_latest = false, is_published = false
                WHERE definition_id = @id AND (is_latest OR is_published)
                """, definitionId, cancellationToken);
            await ExecuteAsync(connection, transaction,
                "UPDATE ticketgate.workflow_definitions SET is_latest = true, is_published = true WHERE id = @id", latest.Definition.Id!, cancellationToken);
            latest.Definition.IsPublished = true;
            return (latest, false);
        }, cancellationToken);

    /// <summary>Unpublishes the published version (§5 rule 4, corrected by the browser findings). False when none is published.</summary>
    public Task<bool> RetractAsync(string definitionId, CancellationToken cancellationToken) =>
        InLockAsync(definitionId, async (connection, transaction) =>
            await ExecuteAsync(connection, transaction,
                "UPDATE ticketgate.workflow_definitions SET is_published = false WHERE definition_id = @id AND is_published",
                definitionId, cancellationToken) > 0, cancellationToken);

    /// <summary>
    /// Imports definitions as published versions in one transaction: a definition whose published version already has
    /// the same content hash is left alone; otherwise it gets a new version that becomes latest and published.
    /// </summary>
    public async Task<IReadOnlyList<(string DefinitionId, ImportOutcome Outcome, int Version)>> ImportPublishedAsync(
        IReadOnlyList<(WorkflowDefinition Definition, string ContentHash, string Source)> definitions, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var results = new List<(string, ImportOutcome, int)>(definitions.Count);
        foreach (var (model, hash, source) in definitions)
        {
            var definitionId = model.DefinitionId!;
            await LockAsync(connection, transaction, definitionId, cancellationToken);
            var published = await FindAsync(connection, transaction, "definition_id = @definition_id AND is_published", definitionId, cancellationToken);
            if (published is not null && published.ContentHash == hash)
            {
                results.Add((definitionId, ImportOutcome.Unchanged, published.Definition.Version));
                continue;
            }
            var definition = WorkflowJson.Clone(model);
            definition.Id = WorkflowIds.New();
            definition.Version = await NextVersionAsync(connection, transaction, definitionId, cancellationToken);
            definition.CreatedAt = clock.GetUtcNow();
            definition.IsLatest = true;
            definition.IsPublished = true;
            await ExecuteAsync(connection, transaction,
                """
                UPDATE ticketgate.workflow_definitions SET is_latest = false, is_published = false
                WHERE definition_id = @id AND (is_latest OR is_published)
                """, definitionId, cancellationToken);
            await InsertAsync(connection, transaction, definition, source, cancellationToken);
            results.Add((definitionId, ImportOutcome.Imported, definition.Version));
        }
        await transaction.CommitAsync(cancellationToken);
        return results;
    }

    public Task<StoredWorkflowDefinition?> FindVersionAsync(string versionId, CancellationToken cancellationToken) =>
        FindAsync("id = @definition_id", versionId, cancellationToken);

    public Task<StoredWorkflowDefinition?> FindPublishedAsync(string definitionId, CancellationToken cancellationToken) =>
        FindAsync("definition_id = @definition_id AND is_published", definitionId, cancellationToken);

    public Task<StoredWorkflowDefinition?> FindLatestAsync(string definitionId, CancellationToken cancellationToken) =>
        FindAsync("definition_id = @definition_id AND is_latest", definitionId, cancellationToken);

    /// <summary>The published version's id and content hash, without reading its JSON (the runner's hot path).</summary>
    public async Task<(string VersionId, string ContentHash)?> FindPublishedHeadAsync(string definitionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, content_hash FROM ticketgate.workflow_definitions WHERE definition_id = @id AND is_published");
        command.Parameters.AddWithValue("id", definitionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>A version's content hash, without reading its JSON; null when the version doesn't exist.</summary>
    public async Task<string?> FindVersionHashAsync(string versionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT content_hash FROM ticketgate.workflow_definitions WHERE id = @id");
        command.Parameters.AddWithValue("id", versionId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Every version of a definition, newest first.</summary>
    public async Task<IReadOnlyList<StoredWorkflowDefinition>> ListVersionsAsync(string definitionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM ticketgate.workflow_definitions WHERE definition_id = @id ORDER BY version DESC");
        command.Parameters.AddWithValue("id", definitionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<StoredWorkflowDefinition>();
        while (await reader.ReadAsync(cancellationToken)) result.Add(Read(reader));
        return result;
    }

    /// <summary>Every version of every definition (the Studio's lists filter, sort and page them; definitions are few).</summary>
    public async Task<IReadOnlyList<StoredWorkflowDefinition>> ListAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM ticketgate.workflow_definitions ORDER BY definition_id, version");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<StoredWorkflowDefinition>();
        while (await reader.ReadAsync(cancellationToken)) result.Add(Read(reader));
        return result;
    }

    /// <summary>Removes every version of a definition (§5 rule 6); returns how many versions went.</summary>
    public Task<int> DeleteDefinitionAsync(string definitionId, CancellationToken cancellationToken) =>
        InLockAsync(definitionId, (connection, transaction) =>
            ExecuteAsync(connection, transaction, "DELETE FROM ticketgate.workflow_definitions WHERE definition_id = @id", definitionId, cancellationToken),
            cancellationToken);

    /// <summary>
    /// Removes one version unless it is the latest or the published one (those are removed with the definition); returns
    /// false when there was no such removable version.
    /// </summary>
    public async Task<bool> DeleteVersionAsync(string versionId, CancellationToken cancellationToken)
    {
        if (await FindVersionAsync(versionId, cancellationToken) is not { } stored) return false;
        return await InLockAsync(stored.Definition.DefinitionId!, async (connection, transaction) =>
            await ExecuteAsync(connection, transaction,
                "DELETE FROM ticketgate.workflow_definitions WHERE id = @id AND NOT is_latest AND NOT is_published", versionId, cancellationToken) > 0,
            cancellationToken);
    }

    /// <summary>
    /// Copies version <paramref name="version"/> into a new unpublished latest version (§5 rule 5); a draft on top is replaced.
    /// Null when the definition has no such version.
    /// </summary>
    public Task<StoredWorkflowDefinition?> RevertAsync(string definitionId, int version, CancellationToken cancellationToken) =>
        InLockAsync(definitionId, async (connection, transaction) =>
        {
            await using var find = new NpgsqlCommand(
                $"SELECT {Columns} FROM ticketgate.workflow_definitions WHERE definition_id = @id AND version = @version", connection, transaction);
            find.Parameters.AddWithValue("id", definitionId);
            find.Parameters.AddWithValue("version", version);
            StoredWorkflowDefinition? source;
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                source = await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
            }
            if (source is null) return null;
            // The draft on top, if any, is what the revert replaces; a published latest stays published.
            await ExecuteAsync(connection, transaction,
                "DELETE FROM ticketgate.workflow_definitions WHERE definition_id = @id AND is_latest AND NOT is_published", definitionId, cancellationToken);
            await ExecuteAsync(connection, transaction,
                "UPDATE ticketgate.workflow_definitions SET is_latest = false WHERE definition_id = @id AND is_latest", definitionId, cancellationToken);
            var definition = WorkflowJson.Clone(source.Definition);
            definition.Id = WorkflowIds.New();
            definition.Version = await NextVersionAsync(connection, transaction, definitionId, cancellationToken);
            definition.CreatedAt = clock.GetUtcNow();
            definition.IsLatest = true;
            definition.IsPublished = false;
            return (StoredWorkflowDefinition?)await InsertAsync(connection, transaction, definition, null, cancellationToken);
        }, cancellationToken);

    private async Task<StoredWorkflowDefinition?> FindAsync(string where, string key, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, where, key, cancellationToken);
    }

    private static async Task<StoredWorkflowDefinition?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string where, string key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM ticketgate.workflow_definitions WHERE {where}", connection, transaction);
        command.Parameters.AddWithValue("definition_id", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The row's columns win over the flags inside the JSON, which go stale when another version is published.</summary>
    private static StoredWorkflowDefinition Read(NpgsqlDataReader reader)
    {
        var definition = WorkflowJson.Parse(reader.GetString(5));
        definition.Id = reader.GetString(0);
        definition.DefinitionId = reader.GetString(1);
        definition.Version = reader.GetInt32(2);
        definition.IsLatest = reader.GetBoolean(3);
        definition.IsPublished = reader.GetBoolean(4);
        definition.CreatedAt = reader.GetFieldValue<DateTimeOffset>(8);
        return new StoredWorkflowDefinition(definition, reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7));
    }

    private static async Task<StoredWorkflowDefinition> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        WorkflowDefinition definition, string? source, CancellationToken cancellationToken)
    {
        var hash = WorkflowJson.ContentHash(definition);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO ticketgate.workflow_definitions (id, definition_id, version, name, is_latest, is_published, json, content_hash, source, created_at)
            VALUES (@id, @definition_id, @version, @name, @is_latest, @is_published, @json, @content_hash, @source, @created_at)
            """, connection, transaction);
        var p = command.Parameters;
        p.AddWithValue("id", definition.Id!);
        p.AddWithValue("definition_id", definition.DefinitionId!);
        p.AddWithValue("version", definition.Version);
        p.AddWithValue("name", NpgsqlDbType.Text, (object?)definition.Name ?? DBNull.Value);
        p.AddWithValue("is_latest", definition.IsLatest);
        p.AddWithValue("is_published", definition.IsPublished);
        p.AddWithValue("json", WorkflowJson.Serialize(definition));
        p.AddWithValue("content_hash", hash);
        p.AddWithValue("source", NpgsqlDbType.Text, (object?)source ?? DBNull.Value);
        p.AddWithValue("created_at", definition.CreatedAt.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new StoredWorkflowDefinition(definition, hash, source);
    }

    private static async Task<int> NextVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string definitionId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM ticketgate.workflow_definitions WHERE definition_id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", definitionId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string id,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string definitionId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('workflow-definition:' || @id))", connection, transaction);
        command.Parameters.AddWithValue("id", definitionId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<T> InLockAsync<T>(string definitionId, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, transaction, definitionId, cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
