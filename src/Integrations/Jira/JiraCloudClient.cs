using System.Text.Json.Nodes;
using RestSharp;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;
using TicketGate.Integrations.Transport;

namespace TicketGate.Integrations.Jira;

/// <summary>Jira Cloud over REST v3: ADF descriptions and comments, basic auth with an email and API token, /search/jql.</summary>
public sealed class JiraCloudClient(JiraOptions options, string email, Func<string> apiToken)
    : JiraClient(options, new BasicAuthorization(email, apiToken), "Jira Cloud")
{
    public override TicketSystemKind Kind => TicketSystemKind.JiraCloud;
    private protected override string ApiVersion => "3";

    private protected override JsonNode Description(TicketDraft draft, HeldStatementText statement) => AdfDescription.Of(draft, statement);

    private protected override JsonNode CommentBody(string text) => AdfDescription.FromText(text);

    private protected override JsonObject UserReference(string user) => new() { ["accountId"] = user };

    /// <summary>The enhanced search: eventually consistent, cursor-paged, no total. The old /search answers 410 on Cloud.</summary>
    private protected override async Task<JsonArray> SearchAsync(string jql, string fields, int maxResults, CancellationToken cancellationToken)
    {
        var request = new RestRequest($"{Api}/search/jql")
            .AddQueryParameter("jql", jql)
            .AddQueryParameter("fields", fields)
            .AddQueryParameter("maxResults", maxResults);
        var result = await Connection.SendForJsonAsync(request, CallKind.Repeatable, "search issues", cancellationToken).ConfigureAwait(false);
        return result["issues"] as JsonArray ?? [];
    }
}
