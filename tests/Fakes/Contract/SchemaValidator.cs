using System.Text.Json;
using System.Text.Json.Nodes;

namespace TicketGate.Tests.Fakes.Contract;

/// <summary>
/// The part of JSON Schema the stored OpenAPI documents use: $ref, allOf, oneOf, anyOf, nullable, type, enum, required,
/// properties, additionalProperties and items. Formats and string lengths are not checked.
/// </summary>
public sealed class SchemaValidator(OpenApiDocument document)
{
    public List<string> Validate(JsonNode? instance, JsonNode schema)
    {
        var errors = new List<string>();
        Check(instance, schema, "$", errors, 0);
        return errors;
    }

    private void Check(JsonNode? instance, JsonNode schemaNode, string at, List<string> errors, int depth)
    {
        if (depth > 64) throw new InvalidOperationException($"{document.Name}: schema nesting too deep at {at}");
        if (document.Resolve(schemaNode) is not JsonObject schema) return;

        if (instance is null)
        {
            if (schema["nullable"]?.GetValue<bool>() == true || (schema["type"] is null && schema["allOf"] is null && schema["oneOf"] is null)) return;
            errors.Add($"{at}: null where {Describe(schema)} is required");
            return;
        }
        if (schema["allOf"] is JsonArray all)
        {
            foreach (var part in all) Check(instance, part!, at, errors, depth + 1);
        }
        if (schema["oneOf"] is JsonArray one)
        {
            var matched = 0;
            foreach (var part in one)
            {
                if (Matches(instance, part!, at, depth)) matched++;
            }
            if (matched != 1) errors.Add($"{at}: matches {matched} of the oneOf alternatives, needs exactly 1");
        }
        if (schema["anyOf"] is JsonArray any)
        {
            var matched = false;
            foreach (var part in any) matched |= Matches(instance, part!, at, depth);
            if (!matched) errors.Add($"{at}: matches none of the anyOf alternatives");
        }
        if (schema["type"]?.GetValue<string>() is { } type && !HasType(instance, type))
        {
            errors.Add($"{at}: {Kind(instance)} where the schema says {type}");
            return;
        }
        if (schema["enum"] is JsonArray values)
        {
            var found = false;
            foreach (var value in values) found |= JsonNode.DeepEquals(value, instance);
            if (!found) errors.Add($"{at}: {instance.ToJsonString()} is not one of {values.ToJsonString()}");
        }
        if (instance is JsonObject obj) CheckObject(obj, schema, at, errors, depth);
        if (instance is JsonArray array && schema["items"] is { } items)
        {
            for (var i = 0; i < array.Count; i++) Check(array[i], items, $"{at}[{i}]", errors, depth + 1);
        }
    }

    private void CheckObject(JsonObject obj, JsonObject schema, string at, List<string> errors, int depth)
    {
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required)
            {
                if (!obj.ContainsKey(name!.GetValue<string>())) errors.Add($"{at}: required property \"{name}\" is missing");
            }
        }
        var properties = schema["properties"] as JsonObject;
        foreach (var (name, value) in obj)
        {
            if (properties?[name] is { } propertySchema)
            {
                Check(value, propertySchema, $"{at}.{name}", errors, depth + 1);
                continue;
            }
            switch (schema["additionalProperties"])
            {
                case JsonValue flag when flag.GetValueKind() == JsonValueKind.False:
                    // allOf parts each list their own properties; an object schema built from allOf is judged by its parts.
                    if (schema["allOf"] is null) errors.Add($"{at}: property \"{name}\" is not allowed by the schema");
                    break;
                case JsonObject extra:
                    Check(value, extra, $"{at}.{name}", errors, depth + 1);
                    break;
            }
        }
    }

    private bool Matches(JsonNode? instance, JsonNode schema, string at, int depth)
    {
        var errors = new List<string>();
        Check(instance, schema, at, errors, depth + 1);
        return errors.Count == 0;
    }

    private static bool HasType(JsonNode instance, string type) => type switch
    {
        "object" => instance is JsonObject,
        "array" => instance is JsonArray,
        "string" => instance is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => instance is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => instance is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "integer" => instance is JsonValue v && v.GetValueKind() == JsonValueKind.Number && IsWhole(v),
        _ => true,
    };

    private static bool IsWhole(JsonValue value) => value.TryGetValue<long>(out _) || (value.TryGetValue<double>(out var d) && Math.Floor(d) == d);

    private static string Kind(JsonNode instance) => instance switch
    {
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind().ToString().ToLowerInvariant(),
        _ => "something",
    };

    private static string Describe(JsonObject schema) => schema["type"]?.GetValue<string>() ?? "a value";
}
