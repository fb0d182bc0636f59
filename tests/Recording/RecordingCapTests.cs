using System.Net.Http.Json;
using TicketGate.Proxy.Api;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Recording;

public sealed class RecordingCapTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private GatewayFixture _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayFixture.StartAsync(postgres, options => options with { Recording = new RecordingOptions { MaxBytesPerSession = 4096, FlushInterval = TimeSpan.FromMilliseconds(50) } });

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task A_session_over_its_cap_is_marked_truncated_and_still_records_holds_and_decisions()
    {
        var psql = _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "SELECT repeat('x', 20000)", "-c", "DELETE FROM items WHERE id = 7"]);
        var request = await _gateway.WaitForPendingAsync();
        await _gateway.ApproveAsync(request.Request.Id);
        Assert.Equal(0, (await psql).ExitCode);

        var (session, events) = await _gateway.RecordedSessionAsync(Guid.Parse(request.Request.SessionId!));
        using var response = await _gateway.GetAsync($"api/sessions/{session.Id}");
        var view = (await response.Content.ReadFromJsonAsync<SessionView>(TicketGateApi.Json))!;

        Assert.True(session.Truncated);
        Assert.True(session.RecordedBytes <= 4096, $"{session.RecordedBytes} bytes kept");
        Assert.True(session.OmittedBytes >= 20000, $"{session.OmittedBytes} bytes omitted");
        Assert.Contains(view.Transcript, e => e.Kind == "truncated");
        Assert.Contains(view.Transcript, e => e.Kind == "hold" && e.RequestId == request.Request.Id);
        Assert.Contains(view.Transcript, e => e.Kind == "decision" && e.Outcome == "approved");
        Assert.True(events.Sum(e => e.Payload.Length) < 8192);
    }
}
