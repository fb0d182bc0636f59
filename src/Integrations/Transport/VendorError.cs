using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RestSharp;

namespace TicketGate.Integrations.Transport;

/// <summary>Reads the vendor's own words out of an error body, tolerating the shapes the contract lists (and bodies that are not JSON).</summary>
public static class VendorError
{
    /// <summary>Jira ErrorCollection (errorMessages, errors as object or array) and JSM ErrorResponse (errorMessage).</summary>
    public static string FromJira(RestResponse response)
    {
        var body = ParseObject(response.Content);
        if (body is null) return Fallback(response);
        var text = new StringBuilder();
        if (body["errorMessages"] is JsonArray messages)
        {
            foreach (var m in messages) Append(text, m?.GetValue<string>());
        }
        switch (body["errors"])
        {
            case JsonObject fields:
                foreach (var (field, message) in fields) Append(text, $"{field}: {Text(message)}");
                break;
            case JsonArray list:
                foreach (var m in list) Append(text, Text(m));
                break;
        }
        if (body["errorMessage"] is JsonValue single) Append(text, Text(single));
        return text.Length == 0 ? Fallback(response) : text.ToString();
    }

    /// <summary>ServiceNow {"error":{"message","detail"},"status":"failure"}; detail may be null. OAuth errors use error_description.</summary>
    public static string FromServiceNow(RestResponse response)
    {
        var body = ParseObject(response.Content);
        if (body is null) return Fallback(response);
        if (body["error"] is JsonObject error)
        {
            var message = Text(error["message"]);
            var detail = Text(error["detail"]);
            return string.IsNullOrEmpty(detail) ? message : $"{message} ({detail})";
        }
        if (body["error_description"] is JsonValue description) return Text(description);
        return Fallback(response);
    }

    private static void Append(StringBuilder text, string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return;
        if (text.Length > 0) text.Append("; ");
        text.Append(message);
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    private static JsonObject? ParseObject(string? content)
    {
        if (string.IsNullOrWhiteSpace(content)) return null;
        try
        {
            return JsonNode.Parse(content) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Fallback(RestResponse response)
    {
        if (response.StatusCode == 0) return response.ErrorException?.Message ?? response.ErrorMessage ?? "no response";
        return string.IsNullOrEmpty(response.StatusDescription) ? "no error text in the answer" : response.StatusDescription;
    }
}
