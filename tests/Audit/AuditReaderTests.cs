using Microsoft.Extensions.Logging.Abstractions;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Storage;

namespace TicketGate.Tests.Audit;

public sealed class AuditReaderTests(MigratedStateDatabase.PerClass fixture) : IClassFixture<MigratedStateDatabase.PerClass>
{
    private readonly MigratedStateDatabase database = fixture.Database;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tail_returns_the_newest_rows_oldest_first()
    {
        await WriteAsync("t1", "t2", "t3", "t4", "t5");

        var tail = await new AuditReader(database.DataSource).TailAsync(3, Ct);

        Assert.Equal(["t3", "t4", "t5"], tail.Select(r => r.Entry.CommandTag));
        Assert.True(tail[0].Id < tail[1].Id && tail[1].Id < tail[2].Id);
    }

    [Fact]
    public async Task Follow_yields_rows_written_after_it_started_and_stops_when_cancelled()
    {
        var reader = new AuditReader(database.DataSource);
        await WriteAsync("before");
        var last = (await reader.TailAsync(1, Ct))[0].Id;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(10));
        var seen = new List<string?>();

        var following = Task.Run(async () =>
        {
            await foreach (var record in reader.FollowAsync(last, TimeSpan.FromMilliseconds(20), stop.Token))
            {
                seen.Add(record.Entry.CommandTag);
                if (seen.Count == 2) await stop.CancelAsync();
            }
        }, Ct);
        await Task.Delay(50, Ct);
        await WriteAsync("f1", "f2");
        await following;

        Assert.Equal(["f1", "f2"], seen);
    }

    private async Task WriteAsync(params string[] tags)
    {
        await using var log = new AuditLog(database.DataSource, new AuditOptions(), NullLogger<AuditLog>.Instance);
        await log.StartAsync(Ct);
        foreach (var tag in tags)
        {
            log.TryAppend(new AuditEntry
            {
                At = DateTimeOffset.UtcNow,
                Protocol = "postgres",
                Connection = "dev",
                Subject = "agent@example.com",
                Statement = "SELECT 1",
                Decision = AuditDecision.Allowed,
                CommandTag = tag,
            });
        }
        await log.FlushAsync(Ct);
    }
}
