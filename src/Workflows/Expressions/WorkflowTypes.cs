using System.Collections;
using System.Dynamic;
using System.Globalization;
using System.Text.Json;

namespace TicketGate.Workflows.Expressions;

/// <summary>
/// The type aliases of contract §4.4 and the conversions between them. Values inside the runtime are plain:
/// null, string, bool, int/long/short, float/double/decimal, Guid, DateTime/DateTimeOffset, TimeSpan, typed arrays,
/// <c>object?[]</c> and <c>Dictionary&lt;string, object?&gt;</c>, so they serialise to JSON and cross into scripts.
/// </summary>
public static class WorkflowTypes
{
    private static readonly Dictionary<string, Type> ByAlias = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Object"] = typeof(object), ["String"] = typeof(string), ["Boolean"] = typeof(bool),
        ["Int16"] = typeof(short), ["Int32"] = typeof(int), ["Int64"] = typeof(long), ["Long"] = typeof(long),
        ["Single"] = typeof(float), ["Double"] = typeof(double), ["Decimal"] = typeof(decimal), ["Guid"] = typeof(Guid),
        ["DateTime"] = typeof(DateTime), ["DateTimeOffset"] = typeof(DateTimeOffset), ["TimeSpan"] = typeof(TimeSpan),
        ["JSON"] = typeof(object), ["JsonElement"] = typeof(object), ["JsonNode"] = typeof(object),
        ["JsonObject"] = typeof(Dictionary<string, object?>), ["JsonArray"] = typeof(object?[]),
        ["StringDictionary"] = typeof(Dictionary<string, object?>), ["ObjectDictionary"] = typeof(Dictionary<string, object?>),
        ["StringMap"] = typeof(Dictionary<string, object?>), ["ObjectMap"] = typeof(Dictionary<string, object?>),
    };

    private static readonly Dictionary<Type, string> AliasByType = new()
    {
        [typeof(object)] = "Object", [typeof(string)] = "String", [typeof(bool)] = "Boolean", [typeof(short)] = "Int16",
        [typeof(int)] = "Int32", [typeof(long)] = "Int64", [typeof(float)] = "Single", [typeof(double)] = "Double",
        [typeof(decimal)] = "Decimal", [typeof(Guid)] = "Guid", [typeof(DateTime)] = "DateTime",
        [typeof(DateTimeOffset)] = "DateTimeOffset", [typeof(TimeSpan)] = "TimeSpan",
        [typeof(Dictionary<string, object?>)] = "ObjectDictionary",
    };

    /// <summary>The CLR type behind an alias (<c>String[]</c>, <c>List&lt;Int32&gt;</c>, <c>Int32?</c> included); null when unknown.</summary>
    public static Type? Resolve(string? alias)
    {
        if (string.IsNullOrWhiteSpace(alias)) return typeof(object);
        alias = alias.Trim();
        if (alias.EndsWith('?')) return Resolve(alias[..^1]);
        if (alias.EndsWith("[]", StringComparison.Ordinal))
        {
            var element = Resolve(alias[..^2]);
            return element is null ? null : ArrayOf(element);
        }
        foreach (var generic in (ReadOnlySpan<string>)["List<", "IList<", "ICollection<", "IEnumerable<", "HashSet<"])
        {
            if (alias.StartsWith(generic, StringComparison.OrdinalIgnoreCase) && alias.EndsWith('>'))
            {
                var element = Resolve(alias[generic.Length..^1]);
                return element is null ? null : ArrayOf(element);
            }
        }
        return ByAlias.GetValueOrDefault(alias);
    }

    /// <summary>The alias descriptors show for a CLR type (<c>String[]</c> for <c>string[]</c>).</summary>
    public static string AliasOf(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null) return AliasOf(underlying) + "?";
        if (type.IsArray) return AliasOf(type.GetElementType()!) + "[]";
        return AliasByType.GetValueOrDefault(type) ?? "Object";
    }

    /// <summary>Converts <paramref name="value"/> to the type named by <paramref name="typeName"/>.</summary>
    /// <exception cref="FormatException">The value can't be read as that type; the message says which value and type.</exception>
    public static object? Coerce(object? value, string? typeName)
    {
        var type = Resolve(typeName) ?? throw new FormatException($"'{typeName}' is not a type this runtime knows.");
        return ConvertTo(value, type);
    }

    public static T? ConvertTo<T>(object? value) => ConvertTo(value, typeof(T)) is T typed ? typed : default;

    /// <exception cref="FormatException">The value can't be converted; the message names value and type.</exception>
    public static object? ConvertTo(object? value, Type target)
    {
        value = Plain(value);
        if (value is null) return null;
        var underlying = Nullable.GetUnderlyingType(target);
        if (underlying is not null) target = underlying;
        if (target == typeof(object) || value.GetType() == target) return value;
        if (target.IsInstanceOfType(value) && !target.IsArray) return value;
        try
        {
            if (target == typeof(string)) return ToText(value);
            if (value is string s)
            {
                s = s.Trim();
                if (s.Length == 0 && target != typeof(string)) return null;
                return ParseText(s, target);
            }
            if (target.IsArray) return ToArray(value, target.GetElementType()!);
            if (target == typeof(Dictionary<string, object?>))
            {
                throw new FormatException($"{Describe(value)} is not an object.");
            }
            if (target == typeof(bool)) return value is bool ? value : throw new FormatException($"{Describe(value)} is not true or false.");
            if (target == typeof(TimeSpan) && IsNumber(value))
            {
                return TimeSpan.FromMilliseconds(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            }
            if (target == typeof(DateTimeOffset) && value is DateTime dt) return new DateTimeOffset(dt.ToUniversalTime());
            if (target == typeof(DateTime) && value is DateTimeOffset dto) return dto.UtcDateTime;
            if (IsNumber(value) && IsNumericType(target))
            {
                if (value is double d && (target == typeof(int) || target == typeof(long) || target == typeof(short)) && d != Math.Floor(d))
                {
                    throw new FormatException($"{Describe(value)} is not a whole number.");
                }
                return Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException or ArgumentException)
        {
            throw new FormatException($"{Describe(value)} can't be read as {AliasOf(target)}: {e.Message}", e);
        }
        throw new FormatException($"{Describe(value)} can't be read as {AliasOf(target)}.");
    }

    /// <summary>
    /// Turns JSON elements, script objects and other collections into the plain representation (dictionaries,
    /// <c>object?[]</c>, primitives). JSON numbers become long when whole, else double.
    /// </summary>
    public static object? Plain(object? value) => value switch
    {
        null => null,
        JsonElement element => FromJson(element),
        string or bool or int or long or short or double or float or decimal or Guid or DateTime or DateTimeOffset or TimeSpan => value,
        Dictionary<string, object?> dictionary => dictionary,
        ExpandoObject expando => ToDictionary(expando),
        IDictionary<string, object?> map => ToDictionary(map),
        IDictionary map => ToDictionary(map),
        Array array when array.GetType().GetElementType() != typeof(object) => array,
        IEnumerable sequence => ToObjectArray(sequence),
        _ => value,
    };

    public static object? FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined: return null;
            case JsonValueKind.String: return element.GetString();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Number:
                return element.TryGetInt64(out var whole) ? (object)whole : element.GetDouble();
            case JsonValueKind.Array:
                var items = new object?[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray()) items[i++] = FromJson(item);
                return items;
            default:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject()) result[property.Name] = FromJson(property.Value);
                return result;
        }
    }

    /// <summary>Parses JSON text into the plain representation.</summary>
    public static object? ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return FromJson(document.RootElement);
    }

    public static string ToText(object? value) => Plain(value) switch
    {
        null => "",
        string s => s,
        bool b => b ? "True" : "False",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => JsonSerializer.Serialize(other),
    };

    private static object? ParseText(string text, Type target)
    {
        if (target.IsArray || target == typeof(Dictionary<string, object?>))
        {
            if (!LooksLikeJson(text))
            {
                if (target.IsArray) return ToArray(new object?[] { text }, target.GetElementType()!);
                throw new FormatException($"'{text}' is not a JSON object.");
            }
            object? parsed;
            try
            {
                parsed = ParseJson(text);
            }
            catch (JsonException e)
            {
                throw new FormatException($"'{Shorten(text)}' is not valid JSON: {e.Message}", e);
            }
            return ConvertTo(parsed, target);
        }
        var culture = CultureInfo.InvariantCulture;
        object? result = target switch
        {
            _ when target == typeof(bool) => bool.TryParse(text, out var b) ? b : null,
            _ when target == typeof(int) => int.TryParse(text, NumberStyles.Integer, culture, out var i) ? i : null,
            _ when target == typeof(long) => long.TryParse(text, NumberStyles.Integer, culture, out var l) ? l : null,
            _ when target == typeof(short) => short.TryParse(text, NumberStyles.Integer, culture, out var sh) ? sh : null,
            _ when target == typeof(double) => double.TryParse(text, NumberStyles.Float, culture, out var d) ? d : null,
            _ when target == typeof(float) => float.TryParse(text, NumberStyles.Float, culture, out var f) ? f : null,
            _ when target == typeof(decimal) => decimal.TryParse(text, NumberStyles.Number, culture, out var m) ? m : null,
            _ when target == typeof(Guid) => Guid.TryParse(text, out var g) ? g : null,
            _ when target == typeof(TimeSpan) => TimeSpan.TryParse(text, culture, out var t) ? t : null,
            _ when target == typeof(DateTimeOffset) => DateTimeOffset.TryParse(text, culture, DateTimeStyles.AssumeUniversal, out var o) ? o : null,
            _ when target == typeof(DateTime) => DateTime.TryParse(text, culture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt) ? dt : null,
            _ => null,
        };
        return result ?? throw new FormatException($"'{Shorten(text)}' is not a valid {AliasOf(target)}.");
    }

    private static Array ToArray(object value, Type elementType)
    {
        if (value is string || value is Dictionary<string, object?> || value is not IEnumerable sequence)
        {
            var single = Array.CreateInstance(elementType, 1);
            single.SetValue(ConvertTo(value, elementType), 0);
            return single;
        }
        var items = new List<object?>();
        foreach (var item in sequence) items.Add(ConvertTo(item, elementType));
        var array = Array.CreateInstance(elementType, items.Count);
        for (var i = 0; i < items.Count; i++) array.SetValue(items[i], i);
        return array;
    }

    private static object?[] ToObjectArray(IEnumerable sequence)
    {
        var items = new List<object?>();
        foreach (var item in sequence) items.Add(Plain(item));
        return [.. items];
    }

    private static Dictionary<string, object?> ToDictionary(IEnumerable<KeyValuePair<string, object?>> map)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, item) in map) result[key] = Plain(item);
        return result;
    }

    private static Dictionary<string, object?> ToDictionary(IDictionary map)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in map) result[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = Plain(entry.Value);
        return result;
    }

    private static Type ArrayOf(Type element) => element == typeof(object) ? typeof(object?[]) : element.MakeArrayType();

    private static bool LooksLikeJson(string text) => text.Length > 0 && (text[0] == '[' || text[0] == '{');

    private static bool IsNumber(object value) => value is int or long or short or double or float or decimal;

    private static bool IsNumericType(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(double) ||
        type == typeof(float) || type == typeof(decimal);

    private static string Describe(object value) => value switch
    {
        string s => $"'{Shorten(s)}'",
        _ => $"{Shorten(ToText(value))} ({AliasOf(value.GetType())})",
    };

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
