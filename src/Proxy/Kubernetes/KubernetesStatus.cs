using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TicketGate.Proxy.Kubernetes;

/// <summary>
/// Answers as the API server answers errors: a <c>Status</c> object (kind Status, apiVersion v1), which kubectl prints as
/// "Error from server (Reason): message". Every refusal TicketGate makes goes through here.
/// </summary>
internal static class KubernetesStatus
{
    public static Task WriteAsync(HttpContext context, int code, string reason, string message)
    {
        var response = context.Response;
        response.StatusCode = code;
        response.ContentType = "application/json";
        var body = JsonSerializer.SerializeToUtf8Bytes(new StatusBody(message, reason, code), KubernetesJson.Default.StatusBody);
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>
    /// 401 with the reason also in a Warning header: kubectl meets a 401 first in discovery, where it prints only "You must be
    /// logged in to the server", but it prints every Warning header as "Warning: …".
    /// </summary>
    public static Task UnauthorizedAsync(HttpContext context, string message)
    {
        context.Response.Headers.Append("Warning", $"299 - \"{message.Replace('"', '\'').ReplaceLineEndings(" ")}\"");
        return WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", message);
    }

    public static Task ForbiddenAsync(HttpContext context, string message) => WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", message);
}

internal sealed record StatusBody(string Message, string Reason, int Code)
{
    public string Kind => "Status";
    public string ApiVersion => "v1";
    public Dictionary<string, string> Metadata { get; } = [];
    public string Status => "Failure";
}
