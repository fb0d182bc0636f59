using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TicketGate.Proxy.Api;
using TicketGate.Proxy.Recording;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Recording;

public sealed class SessionRecordingTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private GatewayFixture _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayFixture.StartAsync(postgres);

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Replay_reproduces_the_statements_results_and_decisions_of_a_session()
    {
        var psql = _gateway.PsqlAsync(postgres, _gateway.Token(), ["-X"], standardInput: """
            SELECT id, name FROM items WHERE id <= 2 ORDER BY id;
            DELETE FROM items WHERE id = 3;
            UPDATE items SET name = 'nope' WHERE id = 4;
            """);
        var delete = await _gateway.WaitForPendingAsync(r => r.Request.Command.Contains("DELETE", StringComparison.Ordinal));
        await Task.Delay(300);
        await _gateway.ApproveAsync(delete.Request.Id, "alice", reason: "cleanup ticket 42");
        var update = await _gateway.WaitForPendingAsync(r => r.Request.Command.Contains("UPDATE", StringComparison.Ordinal));
        await _gateway.RejectAsync(update.Request.Id, "not today", "bob");
        var result = await psql;
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(delete.Request.SessionId, update.Request.SessionId);
        var sessionId = Guid.Parse(delete.Request.SessionId!);

        var (session, _) = await _gateway.RecordedSessionAsync(sessionId);
        using var response = await _gateway.GetAsync($"api/sessions/{sessionId}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var view = (await response.Content.ReadFromJsonAsync<SessionView>(TicketGateApi.Json))!;

        Assert.Equal("agent-7", view.Session.Subject);
        Assert.Equal(["agents"], view.Session.Groups);
        Assert.Equal(GatewayFixture.Connection, view.Session.Connection);
        Assert.Equal([delete.Request.Id, update.Request.Id], view.Requests);
        var kinds = view.Transcript.Select(e => e.Kind + ":" + (e.Outcome ?? e.Text ?? e.Tag)).ToList();
        var select = view.Transcript.First(e => e.Kind == "result" && e.Columns is not null && e.Columns.Contains("name"));
        Assert.Equal(["1", "item 1"], select.Rows![0]);
        Assert.Equal("SELECT 2", select.Tag);
        var approved = view.Transcript.Single(e => e.Kind == "decision" && e.Outcome == "approved");
        Assert.Equal(["alice"], approved.DecidedBy);
        Assert.Equal("cleanup ticket 42", approved.Text);
        var rejected = view.Transcript.Single(e => e.Kind == "decision" && e.Outcome == "rejected");
        Assert.Equal("not today", rejected.Text);
        Assert.Contains(view.Transcript, e => e.Kind == "error" && e.Text!.Contains("rejected by bob", StringComparison.Ordinal));
        // In order: the statement, its hold, the decision, then its result.
        var order = new[] { "query:DELETE FROM items WHERE id = 3;", "hold:DELETE FROM items WHERE id = 3", "decision:approved", "result:DELETE 1" };
        var positions = order.Select(o => kinds.FindIndex(k => k.StartsWith(o, StringComparison.Ordinal))).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order().ToList(), positions);
        // Offsets follow the session's real timing: the 300 ms the DELETE waited for its approval show.
        var deleteQuery = view.Transcript.First(e => e.Kind == "query" && e.Text!.StartsWith("DELETE", StringComparison.Ordinal));
        var deleteResult = view.Transcript.First(e => e.Kind == "result" && e.Tag == "DELETE 1");
        Assert.True(deleteResult.OffsetUs - deleteQuery.OffsetUs >= 300_000, $"{deleteResult.OffsetUs - deleteQuery.OffsetUs} µs");

        var replay = await RunCliAsync("replay", sessionId.ToString(), "--speed", "0");
        Assert.Equal(0, replay.ExitCode);
        Assert.Contains("app=> SELECT id, name FROM items WHERE id <= 2 ORDER BY id;", replay.Output, StringComparison.Ordinal);
        Assert.Contains(" 1  | item 1", replay.Output, StringComparison.Ordinal);
        Assert.Contains("(2 rows)", replay.Output, StringComparison.Ordinal);
        Assert.Contains($"held this as request {delete.Request.Id} (tier medium, rule data-changes)", replay.Output, StringComparison.Ordinal);
        Assert.Contains("approved by alice (cleanup ticket 42)", replay.Output, StringComparison.Ordinal);
        Assert.Contains("DELETE 1", replay.Output, StringComparison.Ordinal);
        Assert.Contains("rejected by bob (not today)", replay.Output, StringComparison.Ordinal);
        Assert.Contains("ERROR:  TicketGate: request", replay.Output, StringComparison.Ordinal);
        Assert.NotNull(session.EndedAt);
    }

    [Fact]
    public async Task Replay_keeps_the_original_timing_scaled_by_the_speed()
    {
        var psql = _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "SELECT 1", "-c", "DELETE FROM items WHERE id = 9", "-c", "SELECT 2"]);
        var request = await _gateway.WaitForPendingAsync();
        await Task.Delay(800);
        await _gateway.ApproveAsync(request.Request.Id);
        Assert.Equal(0, (await psql).ExitCode);
        var sessionId = (await SessionsAsync()).Single().Id;
        await _gateway.RecordedSessionAsync(sessionId);
        using var response = await _gateway.GetAsync($"api/sessions/{sessionId}");
        var view = (await response.Content.ReadFromJsonAsync<SessionView>(TicketGateApi.Json))!;

        var clock = Stopwatch.StartNew();
        var original = new StringWriter();
        await TranscriptPrinter.PrintAsync(original, view.Session.ToRecord(), view.Transcript, speed: 1);
        var atSpeedOne = clock.Elapsed;
        clock.Restart();
        var scaled = new StringWriter();
        await TranscriptPrinter.PrintAsync(scaled, view.Session.ToRecord(), view.Transcript, speed: 100);
        var atSpeedHundred = clock.Elapsed;

        Assert.Equal(original.ToString(), scaled.ToString());
        Assert.True(atSpeedOne >= TimeSpan.FromMilliseconds(800), $"speed 1 took {atSpeedOne}");
        Assert.True(atSpeedHundred < TimeSpan.FromMilliseconds(400), $"speed 100 took {atSpeedHundred}");
        var cli = await RunCliAsync("replay", sessionId.ToString(), "--speed", "100");
        Assert.Equal(0, cli.ExitCode);
        Assert.Equal(original.ToString(), cli.Output);
    }

    [Fact]
    public async Task Sessions_list_finds_sessions_by_identity_connection_and_time()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await _gateway.PsqlAsync(postgres, _gateway.Token("agent-7"), ["-c", "SELECT 1"]);
        await _gateway.PsqlAsync(postgres, _gateway.Token("agent-9", ["agents"]), ["-c", "SELECT 2"], connInfo: _gateway.PsqlConnInfo(user: "agent-9"));
        await _gateway.Services.GetRequiredService<RecordingLog>().FlushAsync();

        var mine = await SessionsAsync("subject=agent-9");
        var all = await SessionsAsync($"connection={GatewayFixture.Connection}&from={Uri.EscapeDataString(before.ToString("O"))}");
        var none = await SessionsAsync($"from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");

        Assert.Equal("agent-9", Assert.Single(mine).Subject);
        Assert.Equal(2, all.Count);
        Assert.Empty(none);
        var cli = await RunCliAsync("sessions", "list", "--subject", "agent-7", "--since", "1h");
        Assert.Equal(0, cli.ExitCode);
        Assert.Contains("agent-7", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("agent-9", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_sees_only_its_own_sessions()
    {
        await _gateway.PsqlAsync(postgres, _gateway.Token("agent-7"), ["-c", "SELECT 1"]);
        var sessionId = (await SessionsAsync()).Single().Id;

        using var own = await _gateway.GetAsync($"api/sessions/{sessionId}", "agent-7");
        using var other = await _gateway.GetAsync($"api/sessions/{sessionId}", "agent-9");

        Assert.True(own.IsSuccessStatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, other.StatusCode);
    }

    private async Task<List<SessionSummaryView>> SessionsAsync(string query = "")
    {
        await _gateway.Services.GetRequiredService<RecordingLog>().FlushAsync();
        using var response = await _gateway.GetAsync("api/sessions?" + query);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<List<SessionSummaryView>>(TicketGateApi.Json))!;
    }

    /// <summary>Runs the real `ticketgate` executable against this gateway's HTTP API as alice.</summary>
    private async Task<(int ExitCode, string Output)> RunCliAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "ticketgate"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--url");
        start.ArgumentList.Add(_gateway.HttpUrl);
        start.ArgumentList.Add("--token");
        start.ArgumentList.Add(_gateway.Token("alice", ["dba"]));
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }
}
