using System.Text;
using Npgsql;
using NpgsqlTypes;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Studio;

/// <summary>What the instance list filters on (contract §6.1), already checked.</summary>
public sealed record InstanceFilter
{
    public int Page { get; init; }
    public int PageSize { get; init; } = 10;
    public string? SearchTerm { get; init; }
    public IReadOnlyList<string> DefinitionIds { get; init; } = [];
    public string? CorrelationId { get; init; }
    public int? Version { get; init; }
    public bool? HasIncidents { get; init; }
    public IReadOnlyList<WorkflowStatus> Statuses { get; init; } = [];
    public IReadOnlyList<WorkflowSubStatus> SubStatuses { get; init; } = [];
    public IReadOnlyList<(string Column, string Operator, DateTimeOffset Timestamp)> Timestamps { get; init; } = [];
    public string OrderColumn { get; init; } = "created_at";
    public bool Descending { get; init; } = true;
}

/// <summary>One row of the instance list.</summary>
public sealed record InstanceSummary(string Id, string DefinitionId, string DefinitionVersionId, int Version, WorkflowStatus Status,
    WorkflowSubStatus SubStatus, string? CorrelationId, string? Name, int IncidentCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt);

/// <summary>Lists and deletes rows of <c>ticketgate.workflow_instances</c> for the Studio; running them stays with the runner.</summary>
public sealed class StudioInstanceQueries(NpgsqlDataSource dataSource)
{
    public async Task<(IReadOnlyList<InstanceSummary> Items, long Total)> ListAsync(InstanceFilter filter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = new StringBuilder("true");
        var p = command.Parameters;
        if (!string.IsNullOrWhiteSpace(filter.SearchTerm))
        {
            where.Append(" AND (id ILIKE @search OR definition_id ILIKE @search OR correlation_id ILIKE @search OR state->>'name' ILIKE @search)");
            p.AddWithValue("search", "%" + filter.SearchTerm.Trim().Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%");
        }
        if (filter.DefinitionIds.Count > 0)
        {
            where.Append(" AND definition_id = ANY(@definitions)");
            p.AddWithValue("definitions", filter.DefinitionIds.ToArray());
        }
        if (filter.CorrelationId is { Length: > 0 } correlation)
        {
            where.Append(" AND correlation_id = @correlation");
            p.AddWithValue("correlation", correlation);
        }
        if (filter.Version is { } version)
        {
            where.Append(" AND definition_version = @version");
            p.AddWithValue("version", version);
        }
        if (filter.HasIncidents is { } incidents) where.Append(incidents ? " AND incident_count > 0" : " AND incident_count = 0");
        if (filter.Statuses.Count > 0)
        {
            where.Append(" AND status = ANY(@statuses)");
            p.AddWithValue("statuses", filter.Statuses.Select(s => s.ToString()).ToArray());
        }
        if (filter.SubStatuses.Count > 0)
        {
            where.Append(" AND sub_status = ANY(@sub_statuses)");
            p.AddWithValue("sub_statuses", filter.SubStatuses.Select(s => s.ToString()).ToArray());
        }
        for (var i = 0; i < filter.Timestamps.Count; i++)
        {
            var (column, op, timestamp) = filter.Timestamps[i];
            where.Append(" AND ").Append(column).Append(' ').Append(op).Append(" @t").Append(i);
            p.AddWithValue("t" + i, NpgsqlDbType.TimestampTz, timestamp.ToUniversalTime());
        }
        p.AddWithValue("limit", filter.PageSize);
        p.AddWithValue("offset", (long)filter.Page * filter.PageSize);
        command.CommandText =
            $"""
            SELECT id, definition_id, definition_version_id, definition_version, status, sub_status, correlation_id, state->>'name',
                   incident_count, created_at, updated_at, finished_at, count(*) OVER ()
            FROM ticketgate.workflow_instances WHERE {where}
            ORDER BY {filter.OrderColumn} {(filter.Descending ? "DESC NULLS LAST" : "ASC NULLS FIRST")}, id
            LIMIT @limit OFFSET @offset
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<InstanceSummary>();
        long total = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new InstanceSummary(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                Enum.Parse<WorkflowStatus>(reader.GetString(4)), Enum.Parse<WorkflowSubStatus>(reader.GetString(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetInt32(8),
                reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11)));
            total = reader.GetInt64(12);
        }
        if (items.Count == 0 && filter.Page > 0)
        {
            // Past the last page: the total still counts.
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM ticketgate.workflow_instances WHERE {where}");
            foreach (NpgsqlParameter parameter in p) count.Parameters.Add(parameter.Clone());
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken));
        }
        return (items, total);
    }

    /// <summary>Deletes finished instances only; a running one may hold a command, so it must be cancelled first.</summary>
    public async Task<int> DeleteFinishedAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM ticketgate.workflow_instances WHERE id = ANY(@ids) AND status = 'Finished'");
        command.Parameters.AddWithValue("ids", ids.ToArray());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How many instances ran a definition (or one of its versions); their viewer needs those versions kept.</summary>
    public async Task<long> CountReferencingAsync(string? definitionId, string? versionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT count(*) FROM ticketgate.workflow_instances
            WHERE (@definition::text IS NULL OR definition_id = @definition) AND (@version::text IS NULL OR definition_version_id = @version)
            """);
        command.Parameters.AddWithValue("definition", NpgsqlDbType.Text, (object?)definitionId ?? DBNull.Value);
        command.Parameters.AddWithValue("version", NpgsqlDbType.Text, (object?)versionId ?? DBNull.Value);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>The instance holding the activity execution <paramref name="executionId"/>, or null.</summary>
    public async Task<string?> FindByExecutionIdAsync(string executionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id FROM ticketgate.workflow_instances WHERE state->'activityExecutions' @> @probe LIMIT 1");
        command.Parameters.AddWithValue("probe", NpgsqlDbType.Jsonb,
            new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["id"] = executionId }).ToJsonString());
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The ids of running instances of a definition version (the Studio's bulk cancel by version).</summary>
    public async Task<IReadOnlyList<string>> RunningIdsAsync(string? definitionId, string? versionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id FROM ticketgate.workflow_instances
            WHERE status = 'Running' AND (@definition::text IS NULL OR definition_id = @definition)
              AND (@version::text IS NULL OR definition_version_id = @version)
            """);
        command.Parameters.AddWithValue("definition", NpgsqlDbType.Text, (object?)definitionId ?? DBNull.Value);
        command.Parameters.AddWithValue("version", NpgsqlDbType.Text, (object?)versionId ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        return ids;
    }
}
