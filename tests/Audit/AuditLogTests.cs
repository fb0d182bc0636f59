using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;
using TicketGate.Tests.Storage;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Storage;

namespace TicketGate.Tests.Audit;

public sealed class AuditLogTests(MigratedStateDatabase.PerClass fixture, PostgresClusterFixture postgres)
    : IClassFixture<MigratedStateDatabase.PerClass>
{
    private readonly MigratedStateDatabase database = fixture.Database;
    private readonly string session = PostgresClusterFixture.UniqueName("session");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Queued_entries_are_written_in_batches_of_the_configured_size()
    {
        await using var log = NewLog(database.DataSource, batchSize: 10, flushInterval: TimeSpan.FromMinutes(1));
        for (var i = 0; i < 25; i++) Assert.True(log.TryAppend(Entry(i)));

        await log.StartAsync(Ct);
        await log.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(25, await CountAsync("SELECT count(*) FROM ticketgate.audit_log WHERE session_id = @session"));
        // Each COPY commits in its own transaction, so the number of inserting transactions is the number of batches.
        Assert.Equal(3, await CountAsync("SELECT count(DISTINCT xmin::text) FROM ticketgate.audit_log WHERE session_id = @session"));
    }

    [Fact]
    public async Task Every_field_round_trips()
    {
        var full = new AuditEntry
        {
            At = Microseconds(DateTimeOffset.UtcNow),
            SessionId = session,
            Protocol = "postgres",
            Connection = "prod-orders",
            Subject = "agent@example.com",
            Groups = ["agents", "payments-bots"],
            Statement = "DELETE FROM orders WHERE id = 7",
            StatementClass = "write",
            Tier = RiskTier.High,
            Rule = "prod-writes",
            Decision = AuditDecision.Approved,
            RequestId = Guid.NewGuid(),
            DecidedBy = ["alice", "bob"],
            DurationUs = 1_234_567,
            HoldUs = 1_200_000,
            ReleaseUs = 1_850,
            RowsAffected = 1,
            CommandTag = "DELETE 1",
            SqlState = null,
        };
        var minimal = Entry(1) with { SqlState = "42P01", Decision = AuditDecision.Failed };
        await using var log = NewLog(database.DataSource);
        await log.StartAsync(Ct);

        log.TryAppend(full);
        log.TryAppend(minimal);
        await log.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        var rows = await ReadAsync(database.DataSource, "WHERE session_id = @session");
        Assert.Equal(2, rows.Count);
        AssertSameEntry(full, rows[0].Entry);
        AssertSameEntry(minimal, rows[1].Entry);
        Assert.Null(rows[1].Entry.Tier);
        Assert.Null(rows[1].Entry.HoldUs);
        Assert.Null(rows[1].Entry.ReleaseUs);
        Assert.Null(rows[1].Entry.Gap);
    }

    [Fact]
    public async Task Flush_drains_everything_without_waiting_for_the_interval()
    {
        await using var log = NewLog(database.DataSource, batchSize: 100, flushInterval: TimeSpan.FromMinutes(1));
        await log.StartAsync(Ct);
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 1_000; i++) Assert.True(log.TryAppend(Entry(i)));
        await log.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(1_000, await CountAsync("SELECT count(*) FROM ticketgate.audit_log WHERE session_id = @session"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(0, log.QueuedEntries);
    }

    [Fact]
    public async Task A_partial_batch_is_written_once_the_flush_interval_passes()
    {
        await using var log = NewLog(database.DataSource, batchSize: 1_000, flushInterval: TimeSpan.FromMilliseconds(50));
        await log.StartAsync(Ct);

        log.TryAppend(Entry(0));

        await Eventually(async () => await CountAsync("SELECT count(*) FROM ticketgate.audit_log WHERE session_id = @session") == 1);
    }

    [Fact]
    public async Task Store_down_keeps_entries_up_to_capacity_counts_the_rest_and_refuses_durable_appends()
    {
        await using var unreachable = MigratedStateDatabase.Unreachable();
        var log = NewLog(unreachable, capacity: 5);
        await log.StartAsync(Ct);

        Assert.True(log.TryAppend(Entry(0)));
        await Eventually(() => Task.FromResult(!log.IsHealthy && log.QueuedEntries == 0));
        var accepted = 0;
        for (var i = 1; i <= 8; i++) accepted += log.TryAppend(Entry(i)) ? 1 : 0;

        Assert.Equal(5, accepted);
        Assert.Equal(5, log.QueuedEntries);
        Assert.Equal(3, log.DroppedEntries);
        var refusal = await Assert.ThrowsAsync<AuditStoreUnavailableException>(() => log.AppendDurableAsync(Entry(9), Ct));
        Assert.Contains("can't be audited", refusal.Message, StringComparison.Ordinal);

        await log.DisposeAsync();
        Assert.Equal(3 + 6, log.DroppedEntries);
    }

    [Fact]
    public async Task Store_coming_back_first_writes_an_audit_gap_row_then_the_kept_entries()
    {
        var name = PostgresClusterFixture.UniqueName("audit_later");
        var pooled = new NpgsqlConnectionStringBuilder(postgres.ConnectionString(name)) { Pooling = true }.ConnectionString;
        await using var notYetCreated = NpgsqlDataSource.Create(pooled);
        await using var log = NewLog(notYetCreated, capacity: 3);
        await log.StartAsync(Ct);
        var start = Microseconds(DateTimeOffset.UtcNow);

        log.TryAppend(Entry(1, start));
        await Eventually(() => Task.FromResult(!log.IsHealthy && log.QueuedEntries == 0));
        for (var i = 2; i <= 4; i++) Assert.True(log.TryAppend(Entry(i, start.AddSeconds(i))));
        Assert.False(log.TryAppend(Entry(5, start.AddSeconds(5))));
        Assert.False(log.TryAppend(Entry(6, start.AddSeconds(6))));
        await Assert.ThrowsAsync<AuditStoreUnavailableException>(() => log.AppendDurableAsync(Entry(7), Ct));

        await postgres.CreateDatabaseAsync(name);
        await new StateDatabase(notYetCreated, MigratedStateDatabase.AllMigrations).MigrateAsync(Ct);
        await log.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(log.IsHealthy);
        var rows = await ReadAsync(notYetCreated, "");
        Assert.Equal(AuditDecision.AuditGap, rows[0].Entry.Decision);
        Assert.Equal(new AuditGap(2, start.AddSeconds(5), start.AddSeconds(6)), rows[0].Entry.Gap);
        Assert.Contains("2 audit entries were dropped", rows[0].Entry.Statement, StringComparison.Ordinal);
        Assert.Equal(["0", "1", "2", "3", "4"], rows.Select(r => r.Entry.CommandTag ?? "0"));

        await log.AppendDurableAsync(Entry(8), Ct);
        Assert.Equal("8", (await ReadAsync(notYetCreated, ""))[^1].Entry.CommandTag);
    }

    [Fact]
    public async Task An_entry_the_store_rejects_is_counted_as_lost_without_holding_back_the_others()
    {
        var before = await CountAsync("SELECT coalesce(max(id), 0) FROM ticketgate.audit_log");
        await using var log = NewLog(database.DataSource);
        log.TryAppend(Entry(1));
        log.TryAppend(Entry(2) with { Subject = "nul\0inside" });
        log.TryAppend(Entry(3));

        await log.StartAsync(Ct);
        await log.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        var rows = await ReadAsync(database.DataSource, $"WHERE id > {before}");
        Assert.Equal(["1", "gap", "3"], rows.Select(r => r.Entry.Gap is null ? r.Entry.CommandTag : "gap"));
        Assert.Equal(1, rows[1].Entry.Gap!.LostEntries);
        Assert.Equal(1, log.DroppedEntries);
        Assert.True(log.IsHealthy);
    }

    private static AuditLog NewLog(NpgsqlDataSource dataSource, int capacity = 1_000, int batchSize = 100, TimeSpan? flushInterval = null) =>
        new(dataSource,
            new AuditOptions { QueueCapacity = capacity, BatchSize = batchSize, FlushInterval = flushInterval ?? TimeSpan.FromMilliseconds(10) },
            NullLogger<AuditLog>.Instance)
        {
            FirstRetryDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            DisposeDrainTimeout = TimeSpan.FromMilliseconds(300),
        };

    /// <summary>A minimal low-tier entry; <paramref name="n"/> rides in the command tag so tests can tell entries apart.</summary>
    private AuditEntry Entry(int n, DateTimeOffset? at = null) => new()
    {
        At = at ?? Microseconds(DateTimeOffset.UtcNow),
        SessionId = session,
        Protocol = "postgres",
        Connection = "dev",
        Subject = "agent@example.com",
        Statement = "SELECT 1",
        Decision = AuditDecision.Allowed,
        CommandTag = n == 0 ? null : n.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task<long> CountAsync(string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("session", session);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct));
    }

    private async Task<List<AuditRecord>> ReadAsync(NpgsqlDataSource dataSource, string where)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT id, {AuditLogTable.Columns} FROM ticketgate.audit_log {where} ORDER BY id");
        command.Parameters.AddWithValue("session", session);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<AuditRecord>();
        while (await reader.ReadAsync(Ct)) rows.Add(AuditLogTable.Read(reader));
        return rows;
    }

    internal static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(10, Ct);
        }
    }

    internal static DateTimeOffset Microseconds(DateTimeOffset value) => new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);

    internal static void AssertSameEntry(AuditEntry expected, AuditEntry actual)
    {
        Assert.Equal(expected.At, actual.At);
        Assert.Equal(expected.SessionId, actual.SessionId);
        Assert.Equal(expected.Protocol, actual.Protocol);
        Assert.Equal(expected.Connection, actual.Connection);
        Assert.Equal(expected.Subject, actual.Subject);
        Assert.Equal(expected.Groups, actual.Groups);
        Assert.Equal(expected.Statement, actual.Statement);
        Assert.Equal(expected.StatementClass, actual.StatementClass);
        Assert.Equal(expected.Tier, actual.Tier);
        Assert.Equal(expected.Rule, actual.Rule);
        Assert.Equal(expected.Decision, actual.Decision);
        Assert.Equal(expected.RequestId, actual.RequestId);
        Assert.Equal(expected.DecidedBy, actual.DecidedBy);
        Assert.Equal(expected.DurationUs, actual.DurationUs);
        Assert.Equal(expected.HoldUs, actual.HoldUs);
        Assert.Equal(expected.ReleaseUs, actual.ReleaseUs);
        Assert.Equal(expected.RowsAffected, actual.RowsAffected);
        Assert.Equal(expected.CommandTag, actual.CommandTag);
        Assert.Equal(expected.SqlState, actual.SqlState);
        Assert.Equal(expected.Gap, actual.Gap);
    }
}
