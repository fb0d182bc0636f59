using System.Diagnostics;
using System.Globalization;
using TicketGate.Tests.Fakes.Jira;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using static TicketGate.Tests.Tickets.TicketGateway;

namespace TicketGate.Tests.Tickets;

/// <summary>
/// bench/tickets-bench.sh: held command → Jira issue created, and signed webhook sent → decision stored → psql returns, for
/// TG_BENCH_TICKETS sequential commands against the fake Jira. Skipped unless that variable is set; writes TG_BENCH_TICKETS_OUT.
/// </summary>
public sealed class TicketLatencyBench(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Ticket_latency()
    {
        var countText = Environment.GetEnvironmentVariable("TG_BENCH_TICKETS");
        Assert.SkipWhen(string.IsNullOrEmpty(countText), "set TG_BENCH_TICKETS=N to run the ticket latency bench (bench/tickets-bench.sh)");
        var count = int.Parse(countText!, CultureInfo.InvariantCulture);
        await using var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.Jira), jira);
        var token = gateway.Token();
        var toTicket = new List<double>();
        var toDecision = new List<double>();
        var toRelease = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var psql = gateway.PsqlAsync(postgres, token, ["-c", $"DELETE FROM items WHERE id = {1000 + i}"]);
            var request = (await gateway.WaitForPendingAsync()).Request;
            var issue = jira.Issue((await TicketOfAsync(gateway, request.Id)).Ticket.Key);
            toTicket.Add((issue.Created - request.CreatedAt).TotalMilliseconds);

            var delivery = await jira.MoveAsync(issue.Key, "Approved", jira.Approver, send: false);
            var sent = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            Assert.Equal(200, await jira.SendWebhookAsync(delivery));
            var result = await psql;
            toRelease.Add(clock.Elapsed.TotalMilliseconds);
            Assert.True(result.ExitCode == 0, result.StandardError);
            var decided = (await gateway.RequestAsync(request.Id))!;
            toDecision.Add((decided.DecidedAt!.Value - sent).TotalMilliseconds);
        }

        var lines = new List<string>
        {
            "measure\tn\tp50_ms\tp99_ms\tmax_ms",
            Row("held_to_ticket_created", toTicket),
            Row("webhook_sent_to_decision_stored", toDecision),
            Row("webhook_sent_to_psql_returned", toRelease),
        };
        var output = Environment.GetEnvironmentVariable("TG_BENCH_TICKETS_OUT") ?? Path.Combine(Path.GetTempPath(), "ticket-latency.tsv");
        await File.WriteAllLinesAsync(output, lines);
        TestContext.Current.SendDiagnosticMessage(string.Join('\n', lines));
        Assert.Equal(count, toTicket.Count);
    }

    private static string Row(string name, List<double> values)
    {
        var sorted = values.Order().ToList();
        double Percentile(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"{name}\t{sorted.Count}\t{Percentile(0.50):0.0}\t{Percentile(0.99):0.0}\t{sorted[^1]:0.0}");
    }
}
