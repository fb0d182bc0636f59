using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using TicketGate.Proxy.Api;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Approvals;

/// <summary>
/// A second gateway as its own OS process (`ticketgate serve`), sharing an in-process gateway's state database, target connection
/// and token issuer, with ports of its own and a plaintext listener.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly string TicketGateDll = Path.Combine(AppContext.BaseDirectory, "ticketgate.dll");

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http;
    private readonly string _folder;

    private GatewayProcess(Process process, string folder, int httpPort)
    {
        _process = process;
        _folder = folder;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public static async Task<GatewayProcess> StartAsync(GatewayFixture sibling)
    {
        var folder = Directory.CreateTempSubdirectory("ticketgate-second-").FullName;
        var app = sibling.Options.Connections[GatewayFixture.Connection];
        var (pgPort, httpPort) = (GatewayFixture.FreePort(), GatewayFixture.FreePort());
        var config = Path.Combine(folder, "ticketgate.yaml");
        await File.WriteAllTextAsync(config, $"""
            oidc:
              authority: {sibling.Issuer.Issuer}
              audience: {GatewayFixture.Audience}
              require_https_metadata: false
            postgres:
              listen: 127.0.0.1:{pgPort}
              insecure: true
            http:
              listen: 127.0.0.1:{httpPort}
            state_database:
              connection_string_env: TG_STATE_DB
            connections:
              {GatewayFixture.Connection}:
                host: {app.Host}
                port: {app.Port}
                database: {app.Database}
                user: {app.User}
                password: {"{"} file: {app.Password.File} {"}"}
                approver_groups: [dba]
                ssl_mode: disable
            """);
        var start = new ProcessStartInfo("dotnet", [TicketGateDll, "serve", "--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TG_STATE_DB"] = sibling.Options.StateDatabase.ReadConnectionString();
        var gateway = new GatewayProcess(Process.Start(start)!, folder, httpPort);
        gateway._process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        gateway._process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        await gateway.WaitUntilHealthyAsync();
        return gateway;
    }

    private async Task WaitUntilHealthyAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) throw new InvalidOperationException("the second gateway exited: " + Output);
            try
            {
                using var response = await _http.GetAsync("healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("the second gateway did not become healthy: " + Output);
    }

    /// <summary>Approves through this process's HTTP API with a token of the shared issuer.</summary>
    public async Task<HttpResponseMessage> ApproveAsync(Guid id, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/requests/{id}/approve")
        {
            Content = JsonContent.Create(new DecisionBody(null), options: TicketGateApi.Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            return await _http.SendAsync(request);
        }
        catch (TaskCanceledException e)
        {
            throw new TimeoutException("the second gateway did not answer the approval; its log:\n" + Output, e);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
