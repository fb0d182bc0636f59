using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Kubernetes;

/// <summary>
/// bench/kube-get.sh: the latency TicketGate adds to a `get` (GET of one pod, HTTP/2 over TLS as kubectl sends it) against the
/// fake API server, through TicketGate and directly. Explicit: it runs only when asked for, and prints its figures.
/// </summary>
public sealed class GetLatencyBenchmark(PostgresClusterFixture postgres)
{
    [Fact(Explicit = true)]
    public async Task Get_latency_through_ticketgate_and_direct()
    {
        var requests = int.Parse(Environment.GetEnvironmentVariable("KUBE_BENCH_REQUESTS") ?? "3000", CultureInfo.InvariantCulture);
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.SeedPod("default", "web-0");
        const string pod = "api/v1/namespaces/default/pods/web-0";

        using var direct = Client(path.ApiServer.Url, path.ApiServer.CaFile, path.ApiServer.ServiceAccountToken);
        using var gateway = Client(new Uri(path.ClusterDefinition.AgentUrl), path.ClusterDefinition.CertificateAuthorityFile!, path.Gateway.Token(lifetime: TimeSpan.FromHours(1)));

        var directTimes = await MeasureAsync(direct, pod, requests);
        var gatewayTimes = await MeasureAsync(gateway, pod, requests);
        // Measured twice in turn, so neither side profits from running second on a warmer machine.
        var directAgain = await MeasureAsync(direct, pod, requests);
        var gatewayAgain = await MeasureAsync(gateway, pod, requests);

        var report = string.Join('\n',
            $"GET /{pod}, HTTP/2 over TLS, one client, {requests} requests per run (after 200 warm-up), two runs each; load average {File.ReadAllText("/proc/loadavg").Trim()}",
            Line("direct to the fake API server", [.. directTimes, .. directAgain]),
            Line("through TicketGate", [.. gatewayTimes, .. gatewayAgain]),
            $"added by TicketGate: p50 {Percentile([.. gatewayTimes, .. gatewayAgain], 0.50) - Percentile([.. directTimes, .. directAgain], 0.50):0.000} ms, " +
            $"p99 {Percentile([.. gatewayTimes, .. gatewayAgain], 0.99) - Percentile([.. directTimes, .. directAgain], 0.99):0.000} ms");
        TestContext.Current.SendDiagnosticMessage(report);
        if (Environment.GetEnvironmentVariable("KUBE_BENCH_OUTPUT") is { } output) await File.WriteAllTextAsync(output, report + "\n");
        Assert.Equal(requests * 2, gatewayTimes.Count + gatewayAgain.Count);
    }

    internal static HttpClient Client(Uri baseUrl, string caFile, string token)
    {
        var trust = new X509Certificate2Collection();
        trust.ImportFromPemFile(caFile);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(trust);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is not null && chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(baseUrl, "/"), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        return client;
    }

    private static async Task<List<double>> MeasureAsync(HttpClient client, string path, int requests)
    {
        for (var i = 0; i < 200; i++) (await client.GetAsync(path)).EnsureSuccessStatusCode();
        var times = new List<double>(requests);
        for (var i = 0; i < requests; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            response.EnsureSuccessStatusCode();
        }
        return times;
    }

    private static string Line(string name, List<double> times) =>
        $"{name,-32} p50 {Percentile(times, 0.50),7:0.000} ms   p99 {Percentile(times, 0.99),7:0.000} ms   mean {times.Average(),7:0.000} ms";

    private static double Percentile(List<double> times, double p)
    {
        var sorted = times.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
