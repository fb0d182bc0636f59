using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Postgres.Tls;

namespace TicketGate.Tests.Fakes.Kubernetes;

/// <summary>What the fake API server saw of one request: who called (token) and whom it was asked to act as.</summary>
public sealed record ApiServerCall(string Method, string PathAndQuery, string? Authorization, string? ImpersonateUser,
    IReadOnlyList<string> ImpersonateGroups, bool CarriedOtherImpersonation);

/// <summary>
/// A Kubernetes API server for kubectl to talk to, on Kestrel with TLS (its own CA): /version, the recorded discovery documents
/// of a real release (aggregated discovery for /apis, legacy for the core group), an in-memory store of namespaces, pods,
/// configmaps and deployments (get, list, watch, create, update, merge patch, delete), pod logs (followable) and a scripted exec
/// over WebSocket v5/v4. It only answers calls that carry the service-account token it was given, and records each call's
/// impersonation headers. No OpenAPI documents: kubectl apply runs with --validate=false against it.
/// </summary>
public sealed partial class FakeApiServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ApiServerCall> _calls = new();
    private readonly string _folder;
    private WebApplication? _app;

    private FakeApiServer(string folder, string token)
    {
        _folder = folder;
        ServiceAccountToken = token;
    }

    /// <summary>The only bearer token this server accepts (TicketGate's service-account token).</summary>
    public string ServiceAccountToken { get; }
    public Uri Url { get; private set; } = null!;
    /// <summary>The CA that signed the server's certificate (TicketGate's server_ca).</summary>
    public string CaFile { get; private set; } = "";
    public IReadOnlyCollection<ApiServerCall> Calls => _calls;

    public static async Task<FakeApiServer> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("ticketgate-fake-apiserver-").FullName;
        var server = new FakeApiServer(folder, "sa-token-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)));
        await server.ListenAsync();
        return server;
    }

    private async Task ListenAsync()
    {
        var tls = ListenerCertificate.EnsureDemoCertificate(Path.Combine(_folder, "tls"));
        CaFile = tls.CaFile;
        var certificate = ListenerCertificate.LoadPem(tls.CertificateFile, tls.KeyFile);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        }));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        await app.StartAsync();
        var address = ((IServer)app.Services.GetService(typeof(IServer))!).Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri($"https://127.0.0.1:{new Uri(address).Port}");
        _app = app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers;
        var otherImpersonation = headers.Keys.Any(k => (k.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase)
            && !k.Equals("Impersonate-User", StringComparison.OrdinalIgnoreCase) && !k.Equals("Impersonate-Group", StringComparison.OrdinalIgnoreCase))
            || k.StartsWith("Tg-Imp-Group-", StringComparison.OrdinalIgnoreCase));
        _calls.Enqueue(new ApiServerCall(request.Method, $"{request.Path}{request.QueryString}", headers.Authorization.FirstOrDefault(),
            headers["Impersonate-User"].FirstOrDefault(), [.. headers["Impersonate-Group"].Select(g => g ?? "")], otherImpersonation));

        if (headers.Authorization.ToString() != "Bearer " + ServiceAccountToken)
        {
            await StatusAsync(context, 401, "Unauthorized", "Unauthorized");
            return;
        }
        var path = request.Path.Value ?? "/";
        if (path == "/version")
        {
            await JsonAsync(context, 200, """{"major":"1","minor":"32","gitVersion":"v1.32.4-fake","platform":"linux/amd64"}""");
            return;
        }
        if (Discovery(path, headers.Accept.ToString()) is { } document)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = document.ContentType;
            await context.Response.SendFileAsync(Path.Combine(AppContext.BaseDirectory, "Fakes", "Kubernetes", "Discovery", document.File));
            return;
        }
        if (path.StartsWith("/apis/", StringComparison.Ordinal) && path.Count(c => c == '/') == 3 && LegacyFromAggregated(path[6..]) is { } list)
        {
            await JsonAsync(context, 200, list);
            return;
        }
        if (ResourcePath.TryParse(path, out var resource))
        {
            await ServeResourceAsync(context, resource);
            return;
        }
        await StatusAsync(context, 404, "NotFound", "the server could not find the requested resource");
    }

    private static (string File, string ContentType)? Discovery(string path, string accept)
    {
        const string aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
        return path switch
        {
            "/api" => ("api.json", "application/json"),
            "/api/v1" => ("api__v1.json", "application/json"),
            "/apis" when accept.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal) => ("aggregated_v2.json", aggregated),
            "/apis" => ("apis.json", "application/json"),
            _ when path.StartsWith("/apis/", StringComparison.Ordinal) && path.Count(c => c == '/') == 3
                && File.Exists(Path.Combine(AppContext.BaseDirectory, "Fakes", "Kubernetes", "Discovery", "apis" + path[5..].Replace("/", "__", StringComparison.Ordinal) + ".json"))
                => ("apis" + path[5..].Replace("/", "__", StringComparison.Ordinal) + ".json", "application/json"),
            _ => null,
        };
    }

    /// <summary>
    /// Legacy discovery (/apis/GROUP/VERSION) for the group versions no recorded file covers, built from the aggregated document
    /// (kubectl create falls back to legacy discovery and asks for every group version).
    /// </summary>
    private static string? LegacyFromAggregated(string groupVersion)
    {
        var aggregated = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fakes", "Kubernetes", "Discovery", "aggregated_v2.json")))!;
        foreach (var group in aggregated["items"]!.AsArray())
        {
            foreach (var version in group!["versions"]!.AsArray())
            {
                if ($"{group["metadata"]!["name"]}/{version!["version"]}" != groupVersion) continue;
                var resources = new JsonArray();
                foreach (var r in version["resources"]?.AsArray() ?? [])
                {
                    var namespaced = (string?)r!["scope"] == "Namespaced";
                    resources.Add(new JsonObject
                    {
                        ["name"] = r["resource"]!.DeepClone(),
                        ["singularName"] = r["singularResource"]?.DeepClone() ?? "",
                        ["namespaced"] = namespaced,
                        ["kind"] = r["responseKind"]?["kind"]?.DeepClone() ?? "",
                        ["verbs"] = r["verbs"]?.DeepClone() ?? new JsonArray(),
                    });
                    foreach (var sub in r["subresources"]?.AsArray() ?? [])
                    {
                        resources.Add(new JsonObject
                        {
                            ["name"] = $"{r["resource"]}/{sub!["subresource"]}",
                            ["singularName"] = "",
                            ["namespaced"] = namespaced,
                            ["kind"] = sub["responseKind"]?["kind"]?.DeepClone() ?? "",
                            ["verbs"] = sub["verbs"]?.DeepClone() ?? new JsonArray(),
                        });
                    }
                }
                return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = resources }.ToJsonString();
            }
        }
        return null;
    }

    private static Task JsonAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json);
    }

    private static Task StatusAsync(HttpContext context, int code, string reason, string message, JsonObject? details = null) =>
        JsonAsync(context, code, StatusObject(code, reason, message, details).ToJsonString());

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with /tmp eventually.
        }
    }
}
