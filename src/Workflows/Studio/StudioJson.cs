using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using TicketGate.Workflows.Definitions;

namespace TicketGate.Workflows.Studio;

/// <summary>
/// How the Studio's client reads and writes (contract §1.6): camelCase, case-sensitive names, string enums, nulls written.
/// Query strings arrive PascalCase from request objects and camelCase from plain parameters, so they are read case-insensitively.
/// </summary>
public static class StudioJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static IResult Ok(JsonNode? body) => Results.Text(body?.ToJsonString(Options) ?? "null", "application/json; charset=utf-8");

    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options);

    /// <summary><c>{ items, count }</c>: the Studio deserialises into a positional record, so items is always sent.</summary>
    public static JsonObject ListResponse(JsonArray items) => new() { ["items"] = items, ["count"] = items.Count };

    /// <summary>A 400 the Studio shows: it collects the strings under <c>errors</c>, then <c>detail</c>/<c>title</c>.</summary>
    public static IResult BadRequest(string title, IReadOnlyList<string> messages)
    {
        var errors = new JsonArray();
        foreach (var message in messages) errors.Add(message);
        var body = new JsonObject
        {
            ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            ["title"] = title,
            ["status"] = 400,
            ["detail"] = string.Join(" ", messages),
            ["errors"] = new JsonObject { ["general"] = errors },
        };
        return Results.Text(body.ToJsonString(Options), "application/problem+json; charset=utf-8", statusCode: 400);
    }

    public static IResult BadRequest(string title, string message) => BadRequest(title, [message]);

    public static IResult Invalid(WorkflowValidationException invalid, string title)
    {
        var messages = new List<string>(invalid.Problems.Count);
        foreach (var problem in invalid.Problems) messages.Add(problem.ToString());
        return BadRequest(title, messages);
    }

    public static IResult NotFound(string detail) => Results.Problem(detail: detail, statusCode: 404, title: "Not found");

    public static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    public static List<string> QueryList(HttpRequest request, string name)
    {
        var result = new List<string>();
        if (!request.Query.TryGetValue(name, out var values)) return result;
        foreach (var value in values)
        {
            if (!string.IsNullOrEmpty(value)) result.Add(value);
        }
        return result;
    }

    public static int? QueryInt(HttpRequest request, string name) =>
        int.TryParse(Query(request, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Refit writes <c>True</c>/<c>False</c>; <see cref="bool.TryParse(string?, out bool)"/> ignores case.</summary>
    public static bool? QueryBool(HttpRequest request, string name) => bool.TryParse(Query(request, name), out var value) ? value : null;

    /// <summary>Reads a JSON body; null for an empty body; throws <see cref="JsonException"/> for malformed JSON.</summary>
    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0) return null;
        var node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        return node as JsonObject;
    }

    public static List<string> Strings(JsonNode? node)
    {
        var result = new List<string>();
        if (node is not JsonArray array) return result;
        foreach (var item in array)
        {
            if (item is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0) result.Add(text);
        }
        return result;
    }

    public static string? String(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNameCaseInsensitive = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
