using System.Text.Json;
using System.Text.Json.Nodes;

namespace TicketGate.Tests.Fakes.Contract;

/// <summary>
/// The stored vendor API descriptions in tests/Contracts/tickets (copies of the shared contracts, see its README), and the check every fake
/// response goes through: the path and method exist, the status is declared, and the JSON body fits the declared schema.
/// </summary>
public sealed class ContractSpecs
{
    public const string RelativeFolder = "tests/Contracts/tickets";

    private static readonly Lazy<ContractSpecs> Loaded = new(() => new ContractSpecs(LocateFolder()));

    /// <summary>
    /// Statuses the contract README documents for every endpoint (§1.2 rate limits, §2.2 errors, §3.4 retries) while the vendor
    /// specs list only functional codes. A body sent with them must still fit the API's error schema.
    /// </summary>
    private static readonly HashSet<int> TransportStatuses = [401, 429, 500, 502, 503, 504];

    private ContractSpecs(string folder)
    {
        Folder = folder;
        var specs = Path.Combine(folder, "specs");
        JiraCloud = OpenApiDocument.Load(Path.Combine(specs, "jira-cloud-v3.ticketgate-subset.openapi.json"));
        // Atlassian publishes no Data Center description; the Cloud v2 one has the same paths and string descriptions.
        JiraV2 = OpenApiDocument.Load(Path.Combine(specs, "jira-cloud-platform-v2-subset.openapi.json"));
        ServiceManagement = OpenApiDocument.Load(Path.Combine(specs, "jira-service-management.ticketgate-subset.openapi.json"));
        ServiceNow = OpenApiDocument.Load(Path.Combine(specs, "servicenow-ticketgate.openapi.yaml"));
    }

    public static ContractSpecs Shared => Loaded.Value;

    public string Folder { get; }
    public OpenApiDocument JiraCloud { get; }
    public OpenApiDocument JiraV2 { get; }
    public OpenApiDocument ServiceManagement { get; }
    public OpenApiDocument ServiceNow { get; }

    public static string LocateFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "TicketGate.sln"))) continue;
            var folder = Path.GetFullPath(Path.Combine(dir.FullName, RelativeFolder));
            if (Directory.Exists(Path.Combine(folder, "specs"))) return folder;
            throw new InvalidOperationException(
                $"The ticket API descriptions are missing: expected {Path.Combine(folder, "specs")} ({RelativeFolder}/specs from the " +
                $"repository root {dir.FullName}).");
        }
        throw new InvalidOperationException($"No TicketGate.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }

    public OpenApiDocument? DocumentFor(string path) => path switch
    {
        _ when path.StartsWith("/rest/api/3/", StringComparison.Ordinal) => JiraCloud,
        _ when path.StartsWith("/rest/api/2/", StringComparison.Ordinal) => JiraV2,
        _ when path.StartsWith("/rest/servicedeskapi/", StringComparison.Ordinal) => ServiceManagement,
        _ when path.StartsWith("/api/", StringComparison.Ordinal) || path == "/oauth_token.do" => ServiceNow,
        _ => null,
    };

    /// <summary>Every way the response breaks the contract; empty when it fits.</summary>
    public List<string> Check(string method, string path, int status, string? contentType, string body)
    {
        var problems = new List<string>();
        var document = DocumentFor(path);
        if (document is null)
        {
            problems.Add($"{method} {path}: no stored API description covers this path");
            return problems;
        }
        var errorSchema = ErrorSchema(document);
        // Cloud removed the old search (CHANGE-2046); the contract requires the fake to answer 410 there, as Jira does.
        if (status == 410 && document == JiraCloud && path == "/rest/api/3/search")
        {
            ValidateBody(document, errorSchema, contentType, body, problems, $"{method} {path} 410", status);
            return problems;
        }
        var found = document.FindOperation(method, path);
        if (found is null)
        {
            problems.Add($"{method} {path}: {document.Name} has no such operation");
            return problems;
        }
        var (template, operation) = found.Value;
        var where = $"{method} {template} {status} ({document.Name})";
        var responses = operation["responses"]!.AsObject();
        var declared = responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? responses["default"];
        if (declared is null)
        {
            if (!TransportStatuses.Contains(status)) problems.Add($"{where}: status {status} is not declared");
            else ValidateBody(document, errorSchema, contentType, body, problems, where, status);
            return problems;
        }
        var schema = document.Resolve(declared)["content"]?["application/json"]?["schema"];
        // A status declared without a body schema: an error body is still held to the API's error shape, except at the OAuth
        // token endpoint, which answers in OAuth's own error format (error, error_description), not the REST envelope.
        if (schema is null && status >= 400 && path != "/oauth_token.do") schema = errorSchema;
        ValidateBody(document, schema, contentType, body, problems, where, status);
        return problems;
    }

    private static void ValidateBody(OpenApiDocument document, JsonNode? schema, string? contentType, string body, List<string> problems,
        string where, int status)
    {
        if (schema is null || (document.Resolve(schema) is JsonObject { Count: 0 }))
        {
            return;
        }
        if (body.Length == 0)
        {
            // Rate limits and gateway errors may come with no body at all (contract §1.2); a declared success body may not.
            if (status >= 400) return;
            problems.Add($"{where}: empty body where a JSON body is declared");
            return;
        }
        if (contentType is null || !contentType.Contains("application/json", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{where}: content type {contentType ?? "(none)"} where application/json is declared");
        }
        JsonNode? instance;
        try
        {
            instance = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            problems.Add($"{where}: body is not JSON ({e.Message})");
            return;
        }
        foreach (var error in new SchemaValidator(document).Validate(instance, schema)) problems.Add($"{where}: {error}");
    }

    private JsonNode? ErrorSchema(OpenApiDocument document) => document.Root["components"]?["schemas"]?[
        document == ServiceNow ? "Error" : document == ServiceManagement ? "ErrorResponse" : "ErrorCollection"];
}
