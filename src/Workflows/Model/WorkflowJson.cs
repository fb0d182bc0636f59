using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TicketGate.Workflows.Model;

/// <summary>
/// Reading and writing definitions the way the Studio does: camelCase, case-sensitive names, enums as strings,
/// nulls written (the Studio sends them and expects them back).
/// </summary>
public static class WorkflowJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Parses a definition. Throws <see cref="JsonException"/> for malformed JSON or mistyped known fields.</summary>
    public static WorkflowDefinition Parse(string json) =>
        JsonSerializer.Deserialize<WorkflowDefinition>(json, Options)
        ?? throw new JsonException("The document is JSON null, not a workflow definition object.");

    public static string Serialize(WorkflowDefinition definition) => JsonSerializer.Serialize(definition, Options);

    /// <summary>A deep copy through JSON, so a stored or cached definition can't be changed by its reader.</summary>
    public static WorkflowDefinition Clone(WorkflowDefinition definition) => Parse(Serialize(definition));

    /// <summary>
    /// Lower-case hex SHA-256 of the definition's content: everything except what the server assigns per version
    /// (id, version, isLatest, isPublished, createdAt, links), with object keys sorted so key order doesn't count.
    /// </summary>
    public static string ContentHash(WorkflowDefinition definition)
    {
        var node = JsonSerializer.SerializeToNode(definition, Options)!.AsObject();
        foreach (var serverOwned in (ReadOnlySpan<string>)["id", "version", "isLatest", "isPublished", "createdAt", "links"])
        {
            node.Remove(serverOwned);
        }
        var canonical = new StringBuilder();
        WriteCanonical(node, canonical);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }

    /// <summary>Writes <paramref name="node"/> with object keys in ordinal order; used for hashes of content and payloads.</summary>
    public static void WriteCanonical(JsonNode? node, StringBuilder into)
    {
        switch (node)
        {
            case null:
                into.Append("null");
                break;
            case JsonObject obj:
                var keys = new List<string>(obj.Count);
                foreach (var pair in obj) keys.Add(pair.Key);
                keys.Sort(StringComparer.Ordinal);
                into.Append('{');
                for (var i = 0; i < keys.Count; i++)
                {
                    if (i > 0) into.Append(',');
                    into.Append(JsonSerializer.Serialize(keys[i])).Append(':');
                    WriteCanonical(obj[keys[i]], into);
                }
                into.Append('}');
                break;
            case JsonArray array:
                into.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) into.Append(',');
                    WriteCanonical(array[i], into);
                }
                into.Append(']');
                break;
            default:
                into.Append(node.ToJsonString());
                break;
        }
    }

    /// <summary>Descriptor input names are PascalCase; the activity JSON uses their camelCase form.</summary>
    public static string ToCamelCase(string name) =>
        string.IsNullOrEmpty(name) || char.IsLower(name[0]) ? name : JsonNamingPolicy.CamelCase.ConvertName(name);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNameCaseInsensitive = false,
            NumberHandling = JsonNumberHandling.Strict,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
