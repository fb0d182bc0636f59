using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace TicketGate.Workflows.Approvals;

/// <summary>
/// Approval requests and their votes in TicketGate's state database.
/// </summary>
/// <remarks>
/// Every request records its <see cref="Holder"/> (a stable name for this TicketGate instance, e.g. host and listener)
/// and <see cref="RunId"/> (new for every process start). A held command lives in a client session of exactly one
/// process, so when that process dies its pending requests can never be released. At start-up, before accepting
/// sessions, the process calls <see cref="WithdrawOrphansAsync"/>: every pending request of the same holder from an
/// earlier run becomes withdrawn. Requests of other holders are left to those instances.
/// A decision only ever moves a request out of pending (<see cref="TryDecideAsync"/>), so the first decision stands.
/// </remarks>
public sealed class ApprovalRequestStore(NpgsqlDataSource dataSource, string holder)
{
    private const string Columns =
        "id, protocol, connection, connection_tags, requester, requester_groups, command, parameters, command_class, tier, " +
        "rule, payload_sha256, approver_groups, session_id, holder, created_at, deadline, status, decided_at, decided_by, " +
        "reason, by_fallback, ticket_key";

    public string Holder { get; } = holder;

    /// <summary>Identifies this run of the holder; requests of other runs are orphans once this one starts.</summary>
    public Guid RunId { get; } = Guid.NewGuid();

    /// <summary>Stores a new pending request held by this run.</summary>
    /// <exception cref="ApprovalStoreUnavailableException">The database could not take it; the command must not run.</exception>
    public Task InsertAsync(ApprovalRequest request, CancellationToken cancellationToken) =>
        RunAsync($"store approval request {request.Id}", async connection =>
        {
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO ticketgate.approval_requests (id, protocol, connection, connection_tags, requester,
                    requester_groups, command, parameters, command_class, tier, rule, payload_sha256, approver_groups,
                    session_id, holder, holder_run, created_at, deadline)
                VALUES (@id, @protocol, @connection, @connection_tags, @requester, @requester_groups, @command, @parameters,
                        @command_class, @tier, @rule, @payload_sha256, @approver_groups, @session_id, @holder, @holder_run,
                        @created_at, @deadline)
                """, connection);
            var p = command.Parameters;
            p.AddWithValue("id", request.Id);
            p.AddWithValue("protocol", request.Protocol);
            p.AddWithValue("connection", request.Connection);
            p.AddWithValue("connection_tags", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(request.ConnectionTags));
            p.AddWithValue("requester", request.Requester);
            p.AddWithValue("requester_groups", NpgsqlDbType.Array | NpgsqlDbType.Text, request.RequesterGroups.ToArray());
            p.AddWithValue("command", request.Command);
            p.AddWithValue("parameters", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(request.Parameters));
            p.AddWithValue("command_class", request.CommandClass);
            p.AddWithValue("tier", request.Tier.ToName());
            p.AddWithValue("rule", request.Rule);
            p.AddWithValue("payload_sha256", request.PayloadSha256);
            p.AddWithValue("approver_groups", NpgsqlDbType.Array | NpgsqlDbType.Text, request.ApproverGroups.ToArray());
            p.AddWithValue("session_id", NpgsqlDbType.Text, (object?)request.SessionId ?? DBNull.Value);
            p.AddWithValue("holder", Holder);
            p.AddWithValue("created_at", request.CreatedAt.ToUniversalTime());
            p.AddWithValue("deadline", NpgsqlDbType.TimestampTz, (object?)request.Deadline?.ToUniversalTime() ?? DBNull.Value);
            p.AddWithValue("holder_run", RunId);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    public Task<StoredApprovalRequest?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        RunAsync($"read approval request {id}", connection => GetAsync(connection, id, cancellationToken), cancellationToken);

    /// <summary>Newest first; all statuses when <paramref name="status"/> is null.</summary>
    public Task<IReadOnlyList<StoredApprovalRequest>> ListAsync(ApprovalStatus? status, int limit, CancellationToken cancellationToken = default) =>
        RunAsync("list approval requests", async connection =>
        {
            await using var command = new NpgsqlCommand(
                $"""
                SELECT {Columns} FROM ticketgate.approval_requests
                WHERE @status::text IS NULL OR status = @status
                ORDER BY created_at DESC, id
                LIMIT @limit
                """, connection);
            command.Parameters.AddWithValue("status", NpgsqlDbType.Text, (object?)status?.ToName() ?? DBNull.Value);
            command.Parameters.AddWithValue("limit", limit);
            return await ReadWithVotesAsync(connection, command, cancellationToken);
        }, cancellationToken);

    /// <summary>Every pending request of every holder, oldest first (for recovery and the approvals view).</summary>
    public Task<IReadOnlyList<StoredApprovalRequest>> ListPendingAsync(CancellationToken cancellationToken = default) =>
        RunAsync("list pending approval requests", async connection =>
        {
            await using var command = new NpgsqlCommand(
                $"SELECT {Columns} FROM ticketgate.approval_requests WHERE status = 'pending' ORDER BY created_at, id",
                connection);
            return await ReadWithVotesAsync(connection, command, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Records one person's vote on a pending request and returns how many distinct people have approved it so far.
    /// A person's first vote stands: voting again changes nothing. Votes on a request that is no longer pending are ignored.
    /// </summary>
    public Task<int> RecordVoteAsync(Guid id, string person, bool approve, string? reason, CancellationToken cancellationToken = default) =>
        RunAsync($"record a vote on approval request {id}", async connection =>
        {
            // The outer SELECT can't see the CTE's insert (one snapshot), so the new vote is added from the CTE's output.
            await using var command = new NpgsqlCommand(
                """
                WITH cast_vote AS (
                    INSERT INTO ticketgate.approval_votes (request_id, person, vote, reason, at)
                    SELECT id, @person, @vote, @reason, now() FROM ticketgate.approval_requests
                    WHERE id = @id AND status = 'pending'
                    ON CONFLICT (request_id, person) DO NOTHING
                    RETURNING vote)
                SELECT (SELECT count(*) FROM ticketgate.approval_votes WHERE request_id = @id AND vote = 'approve')
                     + (SELECT count(*) FROM cast_vote WHERE vote = 'approve')
                """, connection);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("person", person);
            command.Parameters.AddWithValue("vote", approve ? "approve" : "reject");
            command.Parameters.AddWithValue("reason", NpgsqlDbType.Text, (object?)reason ?? DBNull.Value);
            return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }, cancellationToken);

    /// <summary>
    /// Moves a pending request to the decision's status in one statement. A request already decided keeps its decision:
    /// <c>Applied</c> is false and <c>Current</c> shows what stands.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No request has that id.</exception>
    public Task<(bool Applied, StoredApprovalRequest Current)> TryDecideAsync(ApprovalDecision decision, CancellationToken cancellationToken = default)
    {
        if (decision.Status == ApprovalStatus.Pending)
        {
            throw new ArgumentException("A decision can't move a request back to pending.", nameof(decision));
        }
        return RunAsync($"decide approval request {decision.RequestId}", async connection =>
        {
            // One round trip when the decision applies (the common case): the update returns the row, and the votes are read
            // in the same batch, which runs as one implicit transaction.
            await using var batch = new NpgsqlBatch(connection);
            var update = new NpgsqlBatchCommand(
                $"""
                UPDATE ticketgate.approval_requests
                SET status = @status, decided_at = @decided_at, decided_by = @decided_by, reason = @reason,
                    by_fallback = @by_fallback, ticket_key = @ticket_key
                WHERE id = @id AND status = 'pending'
                RETURNING {Columns}
                """);
            var p = update.Parameters;
            p.AddWithValue("id", decision.RequestId);
            p.AddWithValue("status", decision.Status.ToName());
            p.AddWithValue("decided_at", decision.DecidedAt.ToUniversalTime());
            p.AddWithValue("decided_by", NpgsqlDbType.Array | NpgsqlDbType.Text, decision.DecidedBy.ToArray());
            p.AddWithValue("reason", NpgsqlDbType.Text, (object?)decision.Reason ?? DBNull.Value);
            p.AddWithValue("by_fallback", decision.ByFallback);
            p.AddWithValue("ticket_key", NpgsqlDbType.Text, (object?)decision.TicketKey ?? DBNull.Value);
            batch.BatchCommands.Add(update);
            var votes = new NpgsqlBatchCommand(VotesQuery);
            votes.Parameters.AddWithValue("ids", new[] { decision.RequestId });
            batch.BatchCommands.Add(votes);

            StoredApprovalRequest? decided = null;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken)) decided = ApprovalRequestRow.Read(reader);
                await reader.NextResultAsync(cancellationToken);
                if (decided is not null) decided = decided with { Votes = await ReadVotesAsync(reader, cancellationToken) };
            }
            if (decided is not null) return (true, decided);
            var current = await GetAsync(connection, decision.RequestId, cancellationToken)
                ?? throw new KeyNotFoundException($"There is no approval request {decision.RequestId}.");
            return (false, current);
        }, cancellationToken);
    }

    /// <summary>
    /// Sets who may decide a pending request and until when (a workflow's approval step decides both). Returns false when
    /// the request is no longer pending.
    /// </summary>
    public Task<bool> SetApproverGroupsAsync(Guid id, IReadOnlyList<string> groups, DateTimeOffset? deadline,
        CancellationToken cancellationToken = default) =>
        RunAsync($"set the approvers of approval request {id}", async connection =>
        {
            await using var command = new NpgsqlCommand(
                """
                UPDATE ticketgate.approval_requests SET approver_groups = @groups, deadline = coalesce(@deadline, deadline)
                WHERE id = @id AND status = 'pending'
                """, connection);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("groups", NpgsqlDbType.Array | NpgsqlDbType.Text, groups.ToArray());
            command.Parameters.AddWithValue("deadline", NpgsqlDbType.TimestampTz, (object?)deadline?.ToUniversalTime() ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    /// <summary>Adds a group to a pending request's approver groups (an escalation); false when no longer pending.</summary>
    public Task<bool> AddApproverGroupAsync(Guid id, string group, CancellationToken cancellationToken = default) =>
        RunAsync($"add approvers to approval request {id}", async connection =>
        {
            await using var command = new NpgsqlCommand(
                """
                UPDATE ticketgate.approval_requests
                SET approver_groups = CASE WHEN @group = ANY(approver_groups) THEN approver_groups
                                           ELSE array_append(approver_groups, @group) END
                WHERE id = @id AND status = 'pending'
                """, connection);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("group", group);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    /// <summary>
    /// Withdraws every pending request this holder left behind in earlier runs: their sessions are gone, so nobody
    /// can ever release them. Call once at start-up, before accepting sessions. Returns the ids withdrawn.
    /// </summary>
    public Task<IReadOnlyList<Guid>> WithdrawOrphansAsync(string reason, CancellationToken cancellationToken = default) =>
        RunAsync("withdraw orphaned approval requests", async connection =>
        {
            await using var command = new NpgsqlCommand(
                """
                UPDATE ticketgate.approval_requests
                SET status = 'withdrawn', decided_at = now(), reason = @reason
                WHERE status = 'pending' AND holder = @holder AND holder_run <> @run
                RETURNING id
                """, connection);
            command.Parameters.AddWithValue("reason", reason);
            command.Parameters.AddWithValue("holder", Holder);
            command.Parameters.AddWithValue("run", RunId);
            var ids = new List<Guid>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetGuid(0));
            return (IReadOnlyList<Guid>)ids;
        }, cancellationToken);

    /// <summary>
    /// Requests that are no longer pending while their approval workflow still runs: a process that died after deciding or
    /// withdrawing a request but before cancelling its instance leaves these behind. Start-up cancels them, so no timer of
    /// theirs escalates a request that is gone.
    /// </summary>
    public Task<IReadOnlyList<Guid>> ListSettledWithRunningWorkflowsAsync(CancellationToken cancellationToken = default) =>
        RunAsync("list settled requests whose workflows still run", async connection =>
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT r.id FROM ticketgate.workflow_instances i
                JOIN ticketgate.approval_requests r ON r.id::text = i.correlation_id
                WHERE i.status = 'Running' AND r.status <> 'pending'
                """, connection);
            var ids = new List<Guid>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetGuid(0));
            return (IReadOnlyList<Guid>)ids;
        }, cancellationToken);

    private static async Task<StoredApprovalRequest?> GetAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns} FROM ticketgate.approval_requests WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        var found = await ReadWithVotesAsync(connection, command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    private static async Task<IReadOnlyList<StoredApprovalRequest>> ReadWithVotesAsync(
        NpgsqlConnection connection, NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<StoredApprovalRequest>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) rows.Add(ApprovalRequestRow.Read(reader));
        }
        if (rows.Count == 0) return rows;

        var ids = new Guid[rows.Count];
        for (var i = 0; i < rows.Count; i++) ids[i] = rows[i].Request.Id;
        Dictionary<Guid, List<ApprovalVote>> votes;
        await using (var voteQuery = new NpgsqlCommand(VotesQuery, connection))
        {
            voteQuery.Parameters.AddWithValue("ids", ids);
            await using var reader = await voteQuery.ExecuteReaderAsync(cancellationToken);
            votes = await ReadVotesByRequestAsync(reader, cancellationToken);
        }
        for (var i = 0; i < rows.Count; i++)
        {
            if (votes.TryGetValue(rows[i].Request.Id, out var list)) rows[i] = rows[i] with { Votes = list };
        }
        return rows;
    }

    private const string VotesQuery =
        "SELECT request_id, person, vote, reason, at FROM ticketgate.approval_votes WHERE request_id = ANY(@ids) ORDER BY at, person";

    private static async Task<Dictionary<Guid, List<ApprovalVote>>> ReadVotesByRequestAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var votes = new Dictionary<Guid, List<ApprovalVote>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var requestId = reader.GetGuid(0);
            if (!votes.TryGetValue(requestId, out var list)) votes[requestId] = list = [];
            list.Add(ReadVote(reader));
        }
        return votes;
    }

    private static async Task<IReadOnlyList<ApprovalVote>> ReadVotesAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var votes = new List<ApprovalVote>();
        while (await reader.ReadAsync(cancellationToken)) votes.Add(ReadVote(reader));
        return votes;
    }

    private static ApprovalVote ReadVote(NpgsqlDataReader reader) =>
        new(reader.GetString(1), reader.GetString(2) == "approve", reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4));

    private async Task<T> RunAsync<T>(string doing, Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            return await work(connection);
        }
        catch (NpgsqlException e)
        {
            var detail = e is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : e.Message;
            throw new ApprovalStoreUnavailableException(
                $"TicketGate could not {doing}: its state database failed ({detail}). Held commands stay refused until it is back.", e);
        }
    }
}
