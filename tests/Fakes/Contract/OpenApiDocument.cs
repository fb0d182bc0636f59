using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace TicketGate.Tests.Fakes.Contract;

/// <summary>An OpenAPI 3 document read as JSON nodes (YAML converted on load), with path-template matching and $ref resolution.</summary>
public sealed class OpenApiDocument
{
    private readonly List<(string Template, string[] Segments, JsonObject Item)> _paths = [];

    private OpenApiDocument(string name, JsonObject root)
    {
        Name = name;
        Root = root;
        foreach (var (template, item) in root["paths"]!.AsObject())
        {
            _paths.Add((template, template.Trim('/').Split('/'), item!.AsObject()));
        }
    }

    public string Name { get; }
    public JsonObject Root { get; }

    public static OpenApiDocument Load(string file)
    {
        var text = File.ReadAllText(file);
        var root = file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? JsonNode.Parse(text)!.AsObject()
            : YamlToJson(text).AsObject();
        return new OpenApiDocument(Path.GetFileName(file), root);
    }

    /// <summary>The operation for a concrete path; templates with more literal segments win (…/issue/bulk over …/issue/{id}).</summary>
    public (string Template, JsonObject Operation)? FindOperation(string method, string path)
    {
        var segments = path.Trim('/').Split('/');
        (string Template, JsonObject Operation)? best = null;
        var bestLiterals = -1;
        foreach (var (template, parts, item) in _paths)
        {
            if (parts.Length != segments.Length) continue;
            var literals = 0;
            var matches = true;
            for (var i = 0; i < parts.Length && matches; i++)
            {
                if (parts[i].StartsWith('{') && parts[i].EndsWith('}')) continue;
                if (!string.Equals(parts[i], Uri.UnescapeDataString(segments[i]), StringComparison.Ordinal)) matches = false;
                else literals++;
            }
            if (!matches || literals <= bestLiterals) continue;
            if (item[method.ToLowerInvariant()] is JsonObject operation)
            {
                best = (template, operation);
                bestLiterals = literals;
            }
        }
        return best;
    }

    public bool HasPath(string path) => FindAnyMethod(path);

    private bool FindAnyMethod(string path)
    {
        foreach (var method in new[] { "get", "post", "put", "patch", "delete" })
        {
            if (FindOperation(method, path) is not null) return true;
        }
        return false;
    }

    public JsonNode Resolve(JsonNode node)
    {
        var seen = 0;
        while (node is JsonObject o && o["$ref"]?.GetValue<string>() is { } reference)
        {
            if (!reference.StartsWith("#/", StringComparison.Ordinal)) throw new InvalidOperationException($"{Name}: external $ref {reference}");
            JsonNode? target = Root;
            foreach (var part in reference[2..].Split('/')) target = target?[part.Replace("~1", "/").Replace("~0", "~")];
            node = target ?? throw new InvalidOperationException($"{Name}: dangling $ref {reference}");
            if (++seen > 32) throw new InvalidOperationException($"{Name}: $ref cycle at {reference}");
        }
        return node;
    }

    private static JsonNode YamlToJson(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return Convert(stream.Documents[0].RootNode)!;
    }

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children) obj[((YamlScalarNode)key).Value!] = Convert(value);
                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                foreach (var item in seq.Children) array.Add(Convert(item));
                return array;
            case YamlScalarNode scalar:
                var v = scalar.Value ?? "";
                if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain) return JsonValue.Create(v);
                if (v is "null" or "~" or "") return null;
                if (v is "true" or "false") return JsonValue.Create(v == "true");
                if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
                if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && v.Contains('.')) return JsonValue.Create(d);
                return JsonValue.Create(v);
            default:
                throw new InvalidOperationException($"unsupported YAML node {node.NodeType}");
        }
    }
}
