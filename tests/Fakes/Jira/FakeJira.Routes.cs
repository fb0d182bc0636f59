using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TicketGate.Tests.Fakes.Jira;

/// <summary>The REST surface: the operations of contract §1.2 and §1.4, answering with Jira's envelopes and status codes.</summary>
public sealed partial class FakeJira
{
    protected override void Map(WebApplication app)
    {
        app.MapPost("/rest/api/{version}/issue", CreateIssue);
        app.MapGet("/rest/api/{version}/issue/{id}", GetIssue);
        app.MapPut("/rest/api/{version}/issue/{id}", EditIssue);
        app.MapPost("/rest/api/{version}/issue/{id}/comment", AddComment);
        app.MapGet("/rest/api/{version}/issue/{id}/transitions", ListTransitions);
        app.MapPost("/rest/api/{version}/issue/{id}/transitions", DoTransition);
        app.MapGet("/rest/api/{version}/issue/{id}/properties/{property}", GetProperty);
        app.MapPut("/rest/api/{version}/issue/{id}/properties/{property}", SetProperty);
        app.MapMethods("/rest/api/3/search/jql", ["GET", "POST"], ctx => Search(ctx, "3"));
        app.MapMethods("/rest/api/2/search", ["GET", "POST"], ctx => Search(ctx, "2"));
        app.MapMethods("/rest/api/3/search", ["GET", "POST"], ctx => WriteJson(ctx, 410, Errors(
            "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046")));
        app.MapGet("/rest/api/3/myself", ctx => WriteJson(ctx, 200, UserJson(Caller(ctx.Request)!, cloud: true).ToJsonString()));
        app.MapGet("/rest/servicedeskapi/request/{id}/approval", ListApprovals);
        app.MapGet("/rest/servicedeskapi/request/{id}/approval/{approval}", GetApproval);
        app.MapPost("/rest/servicedeskapi/request/{id}/approval/{approval}", AnswerApproval);
    }

    private static string Errors(string message, JsonObject? fields = null) =>
        new JsonObject { ["errorMessages"] = message.Length == 0 ? new JsonArray() : new JsonArray(message), ["errors"] = fields ?? new JsonObject() }
            .ToJsonString();

    private static Task NotFound(HttpContext ctx) =>
        WriteJson(ctx, 404, Errors("Issue does not exist or you do not have permission to see it."));

    private static bool IsAdf(JsonNode? node) => node is JsonObject o && o["type"]?.GetValue<string>() == "doc" && o["content"] is JsonArray;

    private static string Version(HttpContext ctx) => (string)ctx.GetRouteValue("version")!;

    private static async Task<JsonObject?> Body(HttpContext ctx)
    {
        try
        {
            return await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task CreateIssue(HttpContext ctx)
    {
        var version = Version(ctx);
        var body = await Body(ctx);
        var fields = body?["fields"] as JsonObject;
        if (fields is null)
        {
            await WriteJson(ctx, 400, Errors("The request body must be a JSON object with \"fields\"."));
            return;
        }
        var problems = new JsonObject();
        if (fields["project"]?["key"]?.GetValue<string>() != ProjectKey) problems["project"] = "valid project is required";
        if (fields["issuetype"]?["name"] is null) problems["issuetype"] = "Specify an issue type";
        if (fields["summary"] is not JsonValue summary || summary.GetValueKind() != JsonValueKind.String || summary.GetValue<string>().Length == 0)
        {
            problems["summary"] = "You must specify a summary of the issue.";
        }
        else if (summary.GetValue<string>().Length > 255 || summary.GetValue<string>().Contains('\n'))
        {
            problems["summary"] = "Summary must be less than 255 characters.";
        }
        var description = fields["description"];
        if (version == "3" && description is not null && !IsAdf(description))
        {
            problems["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
        }
        if (version == "2" && description is not null and not JsonValue) problems["description"] = "Operation value must be a string";
        var labels = new List<string>();
        foreach (var label in fields["labels"] as JsonArray ?? [])
        {
            var text = label?.GetValue<string>() ?? "";
            if (text.Length == 0 || text.Contains(' ')) problems["labels"] = "Labels cannot contain spaces.";
            labels.Add(text);
        }
        if (version is not ("2" or "3"))
        {
            await NotFound(ctx);
            return;
        }
        if (problems.Count > 0)
        {
            await WriteJson(ctx, 400, Errors("", problems));
            return;
        }
        FakeJiraIssue issue;
        lock (_lock)
        {
            var id = (++_nextIssue).ToString(CultureInfo.InvariantCulture);
            var stored = fields.DeepClone().AsObject();
            stored.Remove("labels");
            issue = new FakeJiraIssue
            {
                Id = id,
                Key = $"{ProjectKey}-{_nextIssue - 10000}",
                Created = DateTimeOffset.UtcNow,
                Reporter = Caller(ctx.Request)!,
                CreatedThrough = version,
                Fields = stored,
                Status = Workflow.Statuses[0],
            };
            issue.Updated = issue.Created;
            issue.Labels.AddRange(labels);
            foreach (var property in body!["properties"] as JsonArray ?? [])
            {
                if (property?["key"]?.GetValue<string>() is { } key) issue.Properties[key] = property["value"]?.DeepClone();
            }
            if (ServiceManagementApprovers.Count > 0)
            {
                issue.Approvals.Add(new FakeJsmApproval((++_nextApproval).ToString(CultureInfo.InvariantCulture),
                    [.. ServiceManagementApprovers.Select(u => new FakeJsmApprover(u))], issue.Created));
            }
            _issues[issue.Key] = issue;
        }
        await WriteJson(ctx, 201, new JsonObject
        {
            ["id"] = issue.Id,
            ["key"] = issue.Key,
            ["self"] = new Uri(BaseUrl, $"rest/api/{version}/issue/{issue.Id}").ToString(),
        }.ToJsonString());
    }

    private Task GetIssue(HttpContext ctx)
    {
        var query = ctx.Request.Query;
        var fieldList = query["fields"].ToString();
        HashSet<string>? fields = fieldList.Length == 0 || fieldList.Contains("*all", StringComparison.Ordinal)
            ? null
            : [.. fieldList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        var changelog = query["expand"].ToString().Contains("changelog", StringComparison.Ordinal);
        var properties = query["properties"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
        string json;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            if (issue is null) return NotFound(ctx);
            json = IssueJson(issue, Version(ctx), fields, changelog, properties).ToJsonString();
        }
        return WriteJson(ctx, 200, json);
    }

    private async Task EditIssue(HttpContext ctx)
    {
        var body = await Body(ctx);
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            if (issue is null) return;
            foreach (var (name, value) in body?["fields"] as JsonObject ?? [])
            {
                issue.Fields[name] = value?.DeepClone();
            }
            foreach (var (name, operations) in body?["update"] as JsonObject ?? [])
            {
                foreach (var op in operations as JsonArray ?? [])
                {
                    if (op?["add"] is not { } added) continue;
                    if (name == "labels")
                    {
                        var label = added.GetValue<string>();
                        if (!issue.Labels.Contains(label)) issue.Labels.Add(label);
                    }
                    else
                    {
                        var list = issue.Fields[name] as JsonArray ?? [];
                        list.Add(added.DeepClone());
                        issue.Fields[name] = list;
                    }
                }
            }
            issue.Updated = DateTimeOffset.UtcNow;
        }
        if (Issue404(ctx)) await NotFound(ctx);
        else ctx.Response.StatusCode = 204;
    }

    private bool Issue404(HttpContext ctx)
    {
        lock (_lock) return Find((string)ctx.GetRouteValue("id")!) is null;
    }

    private async Task AddComment(HttpContext ctx)
    {
        var version = Version(ctx);
        var body = (await Body(ctx))?["body"];
        var valid = version == "3" ? IsAdf(body) : body is JsonValue v && v.GetValueKind() == JsonValueKind.String;
        if (!valid)
        {
            await WriteJson(ctx, 400, Errors("", new JsonObject { ["comment"] = version == "3" ? "Comment body must be an Atlassian Document" : "Comment body can not be empty!" }));
            return;
        }
        string json;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            if (issue is null)
            {
                json = "";
            }
            else
            {
                var comment = new FakeJiraComment((++_nextComment).ToString(CultureInfo.InvariantCulture), Caller(ctx.Request)!, body!.DeepClone(),
                    DateTimeOffset.UtcNow);
                issue.Comments.Add(comment);
                json = CommentJson(issue, comment, version).ToJsonString();
            }
        }
        if (json.Length == 0) await NotFound(ctx);
        else await WriteJson(ctx, 201, json);
    }

    private Task ListTransitions(HttpContext ctx)
    {
        string json;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            if (issue is null) return NotFound(ctx);
            json = TransitionsJson(issue).ToJsonString();
        }
        return WriteJson(ctx, 200, json);
    }

    private async Task DoTransition(HttpContext ctx)
    {
        var id = (await Body(ctx))?["transition"]?["id"]?.GetValue<string>();
        FakeJiraWebhookDelivery? delivery = null;
        string? error = null;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            if (issue is null)
            {
                error = "404";
            }
            else
            {
                var transition = Workflow.Transitions.FirstOrDefault(t => t.Id == id && !string.Equals(t.To, issue.Status.Name, StringComparison.OrdinalIgnoreCase));
                if (transition is null)
                {
                    error = $"Transition id '{id}' is not valid for this issue.";
                }
                else
                {
                    var caller = Caller(ctx.Request)!;
                    var history = Transition(issue, Workflow.Status(transition.To), caller);
                    delivery = Delivery(issue, caller, history, issue.Status.Name);
                }
            }
        }
        if (error == "404") await NotFound(ctx);
        else if (error is not null) await WriteJson(ctx, 400, Errors(error));
        else ctx.Response.StatusCode = 204;
        if (delivery is not null) _ = SendWebhookAsync(delivery);
    }

    private Task GetProperty(HttpContext ctx)
    {
        var name = (string)ctx.GetRouteValue("property")!;
        string? json = null;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            if (issue is not null && issue.Properties.TryGetValue(name, out var value))
            {
                json = new JsonObject { ["key"] = name, ["value"] = value?.DeepClone() }.ToJsonString();
            }
        }
        return json is null
            ? WriteJson(ctx, 404, Errors($"The property with key '{name}' does not exist."))
            : WriteJson(ctx, 200, json);
    }

    private async Task SetProperty(HttpContext ctx)
    {
        var value = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
        int status;
        lock (_lock)
        {
            var issue = Find((string)ctx.GetRouteValue("id")!);
            var name = (string)ctx.GetRouteValue("property")!;
            status = issue is null ? 404 : issue.Properties.ContainsKey(name) ? 200 : 201;
            if (issue is not null) issue.Properties[name] = value;
        }
        if (status == 404) await NotFound(ctx);
        else ctx.Response.StatusCode = status;
    }

    private async Task Search(HttpContext ctx, string version)
    {
        string jql;
        int max;
        if (HttpMethods.IsPost(ctx.Request.Method))
        {
            var body = await Body(ctx);
            jql = body?["jql"]?.GetValue<string>() ?? "";
            max = body?["maxResults"]?.GetValue<int>() ?? 50;
        }
        else
        {
            jql = ctx.Request.Query["jql"].ToString();
            max = int.TryParse(ctx.Request.Query["maxResults"], CultureInfo.InvariantCulture, out var m) ? m : 50;
        }
        var fieldList = ctx.Request.Query["fields"].ToString();
        HashSet<string>? fields = fieldList.Length == 0 ? null : [.. fieldList.Split(',', StringSplitOptions.TrimEntries)];
        var filter = Jql.Parse(jql);
        if (filter.Error is not null)
        {
            await WriteJson(ctx, 400, Errors(filter.Error));
            return;
        }
        var visibleBefore = DateTimeOffset.UtcNow - SearchLag;
        var issues = new JsonArray();
        var total = 0;
        lock (_lock)
        {
            foreach (var issue in _issues.Values.OrderBy(i => long.Parse(i.Id, CultureInfo.InvariantCulture)))
            {
                if (issue.Created > visibleBefore || !filter.Matches(issue)) continue;
                total++;
                if (issues.Count < max) issues.Add(IssueJson(issue, version, fields, changelog: false, []));
            }
        }
        var result = version == "3"
            ? new JsonObject { ["issues"] = issues, ["isLast"] = true }
            : new JsonObject { ["expand"] = "schema,names", ["startAt"] = 0, ["maxResults"] = max, ["total"] = total, ["issues"] = issues };
        await WriteJson(ctx, 200, result.ToJsonString());
    }

}
