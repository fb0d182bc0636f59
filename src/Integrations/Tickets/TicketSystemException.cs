using System.Net;

namespace TicketGate.Integrations.Tickets;

/// <summary>
/// A ticket system refused or failed a call. The message names the system, the operation, the HTTP status and the vendor's own
/// error text (Jira errorMessages/errors, ServiceNow error.message/detail); it never holds credentials or request headers.
/// </summary>
public class TicketSystemException : Exception
{
    public TicketSystemException(string system, string operation, HttpStatusCode? status, string vendorMessage, Exception? inner = null)
        : base(Compose(system, operation, status, vendorMessage), inner)
    {
        System = system;
        Operation = operation;
        Status = status;
        VendorMessage = vendorMessage;
    }

    public string System { get; }
    public string Operation { get; }
    /// <summary>Null when no HTTP answer came back (network error, timeout, lost response).</summary>
    public HttpStatusCode? Status { get; }
    public string VendorMessage { get; }

    private static string Compose(string system, string operation, HttpStatusCode? status, string vendorMessage)
    {
        var answer = status is null ? "gave no answer" : $"answered {(int)status.Value} {status.Value}";
        var hint = status switch
        {
            HttpStatusCode.Unauthorized => " Check the configured credentials for this connection.",
            HttpStatusCode.Forbidden => " The integration user lacks a permission for this operation.",
            HttpStatusCode.NotFound => " The record is missing or hidden from the integration user.",
            _ => "",
        };
        return $"{system} {answer} to {operation}: {vendorMessage}.{hint}";
    }
}

/// <summary>The channel's circuit is open after repeated failures: the approval channel is unavailable, so fallback rules apply.</summary>
public sealed class TicketChannelUnavailableException(string system, string operation, Exception? inner = null)
    : TicketSystemException(system, operation, null, "the approval channel is unavailable after repeated failures; try again later", inner);
