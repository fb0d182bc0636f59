using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TicketGate.Integrations.ServiceNow;

/// <summary>Field access over both record shapes: Table API plain strings and sn_chg_rest {value, display_value} pairs.</summary>
public static class ServiceNowRecord
{
    /// <summary>The field's value as a string; sn_chg_rest values may be numbers or booleans, references are {link, value}.</summary>
    public static string? Value(JsonObject record, string field) => record[field] switch
    {
        null => null,
        JsonObject pair => Scalar(pair["value"]),
        var node => Scalar(node),
    };

    private static string? Scalar(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    /// <summary>ServiceNow dates come as "yyyy-MM-dd HH:mm:ss" in UTC.</summary>
    public static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParseExact(text, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
