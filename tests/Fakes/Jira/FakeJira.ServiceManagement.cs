using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TicketGate.Tests.Fakes.Jira;

/// <summary>The Jira Service Management approval calls (contract §1.4): list, read and answer as the calling user.</summary>
public sealed partial class FakeJira
{
    private Task ListApprovals(HttpContext ctx)
    {
        string json;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            if (issue is null) return WriteJson(ctx, 404, ErrorBody("/rest/servicedeskapi/", 404, "The request could not be found."));
            var caller = Caller(ctx.Request)!;
            var values = new JsonArray([.. issue.Approvals.Select(a => ApprovalJson(issue, a, caller))]);
            json = new JsonObject
            {
                ["size"] = values.Count,
                ["start"] = 0,
                ["limit"] = 50,
                ["isLastPage"] = true,
                ["values"] = values,
                ["_links"] = new JsonObject
                {
                    ["base"] = new Uri(BaseUrl, "rest/servicedeskapi").ToString(),
                    ["context"] = "",
                    ["self"] = new Uri(BaseUrl, $"rest/servicedeskapi/request/{issue.Key}/approval").ToString(),
                },
            }.ToJsonString();
        }
        return WriteJson(ctx, 200, json);
    }

    private Task GetApproval(HttpContext ctx)
    {
        string? json = null;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            var approval = issue?.Approvals.FirstOrDefault(a => a.Id == (string)ctx.GetRouteValue("approval")!);
            if (issue is not null && approval is not null) json = ApprovalJson(issue, approval, Caller(ctx.Request)!).ToJsonString();
        }
        return json is null
            ? WriteJson(ctx, 404, ErrorBody("/rest/servicedeskapi/", 404, "The approval could not be found."))
            : WriteJson(ctx, 200, json);
    }

    private async Task AnswerApproval(HttpContext ctx)
    {
        var decision = (await Body(ctx))?["decision"]?.GetValue<string>();
        if (decision is not ("approve" or "decline"))
        {
            await WriteJson(ctx, 400, ErrorBody("/rest/servicedeskapi/", 400, "The decision must be approve or decline."));
            return;
        }
        int status;
        string json = "";
        FakeJiraWebhookDelivery? delivery = null;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            var approval = issue?.Approvals.FirstOrDefault(a => a.Id == (string)ctx.GetRouteValue("approval")!);
            if (issue is null || approval is null)
            {
                status = 404;
            }
            else
            {
                var caller = Caller(ctx.Request)!;
                (status, delivery) = Answer(issue, approval, caller, decision == "approve");
                if (status == 200) json = ApprovalJson(issue, approval, caller).ToJsonString();
            }
        }
        var message = status switch
        {
            403 => "You are not an approver of this request.",
            404 => "The approval could not be found.",
            409 => "This approval has already been answered.",
            _ => "",
        };
        await WriteJson(ctx, status, status == 200 ? json : ErrorBody("/rest/servicedeskapi/", status, message));
        if (delivery is not null) _ = SendWebhookAsync(delivery);
    }
}
