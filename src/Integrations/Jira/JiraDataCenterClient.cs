using System.Text.Json.Nodes;
using RestSharp;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;
using TicketGate.Integrations.Transport;

namespace TicketGate.Integrations.Jira;

/// <summary>Jira Data Center over REST v2: wiki-markup descriptions, a personal access token as bearer, users by name.</summary>
public sealed class JiraDataCenterClient(JiraOptions options, Func<string> personalAccessToken)
    : JiraClient(options, new BearerAuthorization(personalAccessToken), "Jira Data Center")
{
    public override TicketSystemKind Kind => TicketSystemKind.JiraDataCenter;
    private protected override string ApiVersion => "2";

    private protected override JsonNode Description(TicketDraft draft, HeldStatementText statement) =>
        JsonValue.Create(WikiDescription.Of(draft, statement));

    private protected override JsonNode CommentBody(string text) => JsonValue.Create(WikiDescription.Escape(text));

    private protected override JsonObject UserReference(string user) => new() { ["name"] = user };

    private protected override async Task<JsonArray> SearchAsync(string jql, string fields, int maxResults, CancellationToken cancellationToken)
    {
        var request = new RestRequest($"{Api}/search")
            .AddQueryParameter("jql", jql)
            .AddQueryParameter("fields", fields)
            .AddQueryParameter("maxResults", maxResults);
        var result = await Connection.SendForJsonAsync(request, CallKind.Repeatable, "search issues", cancellationToken).ConfigureAwait(false);
        return result["issues"] as JsonArray ?? [];
    }
}
