using TicketGate.Tests.Storage;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Approvals;

public sealed class ApprovalRequestStoreTests(MigratedStateDatabase.PerClass fixture) : IClassFixture<MigratedStateDatabase.PerClass>
{
    private readonly MigratedStateDatabase database = fixture.Database;
    private readonly ApprovalRequestStore store = new(fixture.Database.DataSource, "gateway-a");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Inserted_request_reads_back_with_every_field()
    {
        var request = NewRequest() with
        {
            ConnectionTags = new Dictionary<string, string> { ["env"] = "prod", ["team"] = "payments" },
            RequesterGroups = ["agents", "payments-bots"],
            Parameters = ["42", null, "O'Brien"],
            ApproverGroups = ["dba", "payments-leads"],
            SessionId = "session-17",
            Deadline = Microseconds(DateTimeOffset.UtcNow.AddMinutes(30)),
        };

        await store.InsertAsync(request, Ct);
        var stored = await store.GetAsync(request.Id, Ct);

        Assert.NotNull(stored);
        Assert.Equal(ApprovalStatus.Pending, stored.Status);
        Assert.Equal("gateway-a", stored.Holder);
        Assert.Null(stored.DecidedAt);
        Assert.Null(stored.Decision);
        Assert.Empty(stored.Votes);
        AssertSameRequest(request, stored.Request);
    }

    [Fact]
    public async Task Request_without_optional_fields_reads_back_with_nulls_and_empty_lists()
    {
        var request = NewRequest();

        await store.InsertAsync(request, Ct);
        var stored = await store.GetAsync(request.Id, Ct);

        Assert.NotNull(stored);
        AssertSameRequest(request, stored.Request);
        Assert.Null(stored.Request.SessionId);
        Assert.Null(stored.Request.Deadline);
        Assert.Empty(stored.Request.Parameters);
    }

    [Fact]
    public async Task Unknown_request_reads_as_null()
    {
        Assert.Null(await store.GetAsync(Guid.NewGuid(), Ct));
    }

    [Fact]
    public async Task List_returns_newest_first_and_filters_by_status()
    {
        var start = Microseconds(DateTimeOffset.UtcNow.AddHours(1));
        var oldest = NewRequest() with { CreatedAt = start };
        var middle = NewRequest() with { CreatedAt = start.AddSeconds(1) };
        var newest = NewRequest() with { CreatedAt = start.AddSeconds(2) };
        foreach (var request in new[] { middle, newest, oldest }) await store.InsertAsync(request, Ct);
        await store.TryDecideAsync(Decision(middle.Id, ApprovalStatus.Rejected, "bob"), Ct);

        var newestTwo = await store.ListAsync(null, 2, Ct);
        var pending = await store.ListAsync(ApprovalStatus.Pending, 100, Ct);
        var rejected = await store.ListAsync(ApprovalStatus.Rejected, 100, Ct);

        Assert.Equal([newest.Id, middle.Id], newestTwo.Select(r => r.Request.Id));
        Assert.Equal([newest.Id, oldest.Id], pending.Where(r => r.Request.CreatedAt >= start).Select(r => r.Request.Id));
        Assert.Contains(rejected, r => r.Request.Id == middle.Id);
        Assert.All(rejected, r => Assert.Equal(ApprovalStatus.Rejected, r.Status));
    }

    [Fact]
    public async Task First_decision_stands_and_a_later_one_changes_nothing()
    {
        var request = NewRequest();
        await store.InsertAsync(request, Ct);
        var approval = Decision(request.Id, ApprovalStatus.Approved, "alice", "bob") with
        {
            Reason = "looks right",
            ByFallback = true,
            TicketKey = "OPS-12",
        };

        var (firstApplied, afterFirst) = await store.TryDecideAsync(approval, Ct);
        var (lateApplied, afterLate) = await store.TryDecideAsync(Decision(request.Id, ApprovalStatus.Withdrawn, "gateway"), Ct);

        Assert.True(firstApplied);
        Assert.False(lateApplied);
        foreach (var current in new[] { afterFirst, afterLate })
        {
            Assert.Equal(ApprovalStatus.Approved, current.Status);
            Assert.Equal(["alice", "bob"], current.DecidedBy);
            Assert.Equal("looks right", current.Reason);
            Assert.True(current.ByFallback);
            Assert.Equal("OPS-12", current.TicketKey);
            Assert.Equal(approval.DecidedAt, current.DecidedAt);
            Assert.True(current.Decision!.Releases);
        }
    }

    [Fact]
    public async Task Racing_decisions_apply_exactly_once()
    {
        var request = NewRequest();
        await store.InsertAsync(request, Ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.TryDecideAsync(
            Decision(request.Id, i % 2 == 0 ? ApprovalStatus.Approved : ApprovalStatus.Rejected, $"person{i}"), Ct)));

        Assert.Single(outcomes, o => o.Applied);
        var winner = outcomes.Single(o => o.Applied).Current;
        Assert.All(outcomes, o => Assert.Equal(winner.DecidedBy, o.Current.DecidedBy));
    }

    [Fact]
    public async Task Deciding_an_unknown_request_is_reported()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(
            () => store.TryDecideAsync(Decision(Guid.NewGuid(), ApprovalStatus.Approved, "alice"), Ct));
    }

    [Fact]
    public async Task Votes_count_distinct_approving_people()
    {
        var request = NewRequest();
        await store.InsertAsync(request, Ct);

        var afterAlice = await store.RecordVoteAsync(request.Id, "alice", approve: true, "fine", Ct);
        var afterAliceAgain = await store.RecordVoteAsync(request.Id, "alice", approve: true, null, Ct);
        var afterCarol = await store.RecordVoteAsync(request.Id, "carol", approve: false, "not on a Friday", Ct);
        var afterBob = await store.RecordVoteAsync(request.Id, "bob", approve: true, null, Ct);
        var afterAliceChanging = await store.RecordVoteAsync(request.Id, "alice", approve: false, null, Ct);

        Assert.Equal([1, 1, 1, 2, 2], new[] { afterAlice, afterAliceAgain, afterCarol, afterBob, afterAliceChanging });
        var stored = await store.GetAsync(request.Id, Ct);
        Assert.Equal(["alice", "bob", "carol"], stored!.Votes.Select(v => v.Person).Order(StringComparer.Ordinal));
        var alice = stored.Votes.Single(v => v.Person == "alice");
        Assert.True(alice.Approve);
        Assert.Equal("fine", alice.Reason);
        Assert.False(stored.Votes.Single(v => v.Person == "carol").Approve);
    }

    [Fact]
    public async Task Votes_on_a_decided_request_are_not_recorded()
    {
        var request = NewRequest();
        await store.InsertAsync(request, Ct);
        await store.RecordVoteAsync(request.Id, "alice", approve: true, null, Ct);
        await store.TryDecideAsync(Decision(request.Id, ApprovalStatus.Expired, "gateway"), Ct);

        var count = await store.RecordVoteAsync(request.Id, "bob", approve: true, null, Ct);

        Assert.Equal(1, count);
        Assert.Equal(["alice"], (await store.GetAsync(request.Id, Ct))!.Votes.Select(v => v.Person));
    }

    [Fact]
    public async Task Restarted_holder_withdraws_its_orphans_and_nothing_else()
    {
        var previousRun = new ApprovalRequestStore(database.DataSource, "gateway-orphans");
        var otherInstance = new ApprovalRequestStore(database.DataSource, "gateway-elsewhere");
        var orphan = NewRequest();
        var decidedEarlier = NewRequest();
        var othersRequest = NewRequest();
        await previousRun.InsertAsync(orphan, Ct);
        await previousRun.InsertAsync(decidedEarlier, Ct);
        await previousRun.TryDecideAsync(Decision(decidedEarlier.Id, ApprovalStatus.Approved, "alice"), Ct);
        await otherInstance.InsertAsync(othersRequest, Ct);

        var restarted = new ApprovalRequestStore(database.DataSource, "gateway-orphans");
        var ownNew = NewRequest();
        await restarted.InsertAsync(ownNew, Ct);
        var withdrawn = await restarted.WithdrawOrphansAsync("TicketGate restarted; the session holding it is gone", Ct);

        Assert.Equal([orphan.Id], withdrawn);
        var orphanNow = await restarted.GetAsync(orphan.Id, Ct);
        Assert.Equal(ApprovalStatus.Withdrawn, orphanNow!.Status);
        Assert.Equal("TicketGate restarted; the session holding it is gone", orphanNow.Reason);
        Assert.NotNull(orphanNow.DecidedAt);
        Assert.Equal(ApprovalStatus.Approved, (await restarted.GetAsync(decidedEarlier.Id, Ct))!.Status);
        Assert.Equal(ApprovalStatus.Pending, (await restarted.GetAsync(othersRequest.Id, Ct))!.Status);
        Assert.Equal(ApprovalStatus.Pending, (await restarted.GetAsync(ownNew.Id, Ct))!.Status);
        var pending = (await restarted.ListPendingAsync(Ct)).Select(r => r.Request.Id).ToList();
        Assert.Contains(othersRequest.Id, pending);
        Assert.Contains(ownNew.Id, pending);
        Assert.DoesNotContain(orphan.Id, pending);
    }

    [Fact]
    public async Task Pending_requests_are_listed_oldest_first()
    {
        var holder = new ApprovalRequestStore(database.DataSource, "gateway-pending");
        var start = Microseconds(DateTimeOffset.UtcNow.AddDays(-1));
        var later = NewRequest() with { CreatedAt = start.AddSeconds(5) };
        var earlier = NewRequest() with { CreatedAt = start };
        await holder.InsertAsync(later, Ct);
        await holder.InsertAsync(earlier, Ct);

        var pending = await holder.ListPendingAsync(Ct);

        var mine = pending.Where(r => r.Holder == "gateway-pending").Select(r => r.Request.Id);
        Assert.Equal([earlier.Id, later.Id], mine);
    }

    [Fact]
    public async Task Storing_while_the_database_is_unreachable_throws_store_unavailable()
    {
        await using var unreachable = MigratedStateDatabase.Unreachable();
        var offline = new ApprovalRequestStore(unreachable, "gateway-a");

        var failure = await Assert.ThrowsAsync<ApprovalStoreUnavailableException>(() => offline.InsertAsync(NewRequest(), Ct));

        Assert.Contains("could not store approval request", failure.Message, StringComparison.Ordinal);
    }

    private static ApprovalRequest NewRequest() => new()
    {
        Id = Guid.NewGuid(),
        Protocol = "postgres",
        Connection = "prod-orders",
        Requester = "agent@example.com",
        Command = "DELETE FROM orders WHERE id = $1",
        CommandClass = "write",
        Tier = RiskTier.High,
        Rule = "prod-writes",
        PayloadSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("payload"u8)),
        CreatedAt = Microseconds(DateTimeOffset.UtcNow),
    };

    private static ApprovalDecision Decision(Guid id, ApprovalStatus status, params string[] by) => new()
    {
        RequestId = id,
        Status = status,
        DecidedBy = by,
        DecidedAt = Microseconds(DateTimeOffset.UtcNow),
    };

    /// <summary>PostgreSQL keeps microseconds; .NET ticks are finer.</summary>
    private static DateTimeOffset Microseconds(DateTimeOffset value) => new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);

    private static void AssertSameRequest(ApprovalRequest expected, ApprovalRequest actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Protocol, actual.Protocol);
        Assert.Equal(expected.Connection, actual.Connection);
        Assert.Equal(expected.ConnectionTags.OrderBy(t => t.Key), actual.ConnectionTags.OrderBy(t => t.Key));
        Assert.Equal(expected.Requester, actual.Requester);
        Assert.Equal(expected.RequesterGroups, actual.RequesterGroups);
        Assert.Equal(expected.Command, actual.Command);
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(expected.CommandClass, actual.CommandClass);
        Assert.Equal(expected.Tier, actual.Tier);
        Assert.Equal(expected.Rule, actual.Rule);
        Assert.Equal(expected.PayloadSha256, actual.PayloadSha256);
        Assert.Equal(expected.ApproverGroups, actual.ApproverGroups);
        Assert.Equal(expected.SessionId, actual.SessionId);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.Deadline, actual.Deadline);
    }
}
