using System.Globalization;
using System.Text.Json.Nodes;
using TicketGate.Integrations.Jira;

namespace TicketGate.Tests.Fakes.Jira;

/// <summary>How the fake renders its state: the shapes of Jira's IssueBean, UserDetails, Changelog, Transitions and JSM DTOs.</summary>
public sealed partial class FakeJira
{
    private JsonObject UserJson(FakeJiraUser user, bool cloud)
    {
        var json = new JsonObject
        {
            ["self"] = new Uri(BaseUrl, cloud ? $"rest/api/3/user?accountId={user.AccountId}" : $"rest/api/2/user?username={user.Name}").ToString(),
        };
        if (cloud)
        {
            json["accountId"] = user.AccountId;
            json["accountType"] = "atlassian";
        }
        else
        {
            json["name"] = user.Name;
            json["key"] = "JIRAUSER" + user.AccountId.GetHashCode(StringComparison.Ordinal).ToString("x8", CultureInfo.InvariantCulture);
        }
        json["emailAddress"] = user.Email;
        json["displayName"] = user.DisplayName;
        json["active"] = true;
        json["timeZone"] = "UTC";
        return json;
    }

    private JsonObject StatusJson(FakeJiraStatus status) => new()
    {
        ["self"] = new Uri(BaseUrl, $"rest/api/2/status/{status.Id}").ToString(),
        ["id"] = status.Id,
        ["name"] = status.Name,
        ["statusCategory"] = new JsonObject
        {
            ["id"] = status.CategoryId,
            ["key"] = status.CategoryKey,
            ["colorName"] = status.Color,
            ["name"] = status.CategoryName,
        },
    };

    private static JsonObject HistoryItemJson(FakeJiraHistoryItem item) => new()
    {
        ["field"] = item.Field,
        ["fieldtype"] = "jira",
        ["fieldId"] = item.Field,
        ["from"] = item.From,
        ["fromString"] = item.FromString,
        ["to"] = item.To,
        ["toString"] = item.ToString_,
    };

    private JsonObject IssueJson(FakeJiraIssue issue, string version, HashSet<string>? fields, bool changelog, IReadOnlyList<string> properties)
    {
        var cloud = version == "3";
        var all = new JsonObject
        {
            ["summary"] = issue.Fields["summary"]?.DeepClone(),
            ["issuetype"] = new JsonObject { ["id"] = "10001", ["name"] = issue.Fields["issuetype"]?["name"]?.DeepClone() },
            ["project"] = new JsonObject { ["id"] = "10000", ["key"] = ProjectKey, ["name"] = "Gate" },
            ["status"] = StatusJson(issue.Status),
            ["labels"] = new JsonArray([.. issue.Labels.Select(l => JsonValue.Create(l))]),
            ["reporter"] = UserJson(issue.Reporter, cloud),
            ["created"] = JiraTime.Format(issue.Created),
            ["updated"] = JiraTime.Format(issue.Updated),
            ["description"] = DescriptionFor(issue, cloud),
        };
        foreach (var (name, value) in issue.Fields)
        {
            if (!all.ContainsKey(name) && name is not "project") all[name] = value?.DeepClone();
        }
        var shown = new JsonObject();
        foreach (var (name, value) in all)
        {
            if (fields is null || fields.Contains(name)) shown[name] = value?.DeepClone();
        }
        var json = new JsonObject
        {
            ["expand"] = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            ["id"] = issue.Id,
            ["self"] = new Uri(BaseUrl, $"rest/api/{version}/issue/{issue.Id}").ToString(),
            ["key"] = issue.Key,
            ["fields"] = shown,
        };
        if (changelog)
        {
            var histories = new JsonArray();
            foreach (var h in issue.Histories)
            {
                histories.Add(new JsonObject
                {
                    ["id"] = h.Id,
                    ["author"] = UserJson(h.Author, cloud),
                    ["created"] = JiraTime.Format(h.Created),
                    ["items"] = new JsonArray([.. h.Items.Select(HistoryItemJson)]),
                });
            }
            json["changelog"] = new JsonObject
            {
                ["startAt"] = 0,
                ["maxResults"] = histories.Count,
                ["total"] = histories.Count,
                ["histories"] = histories,
            };
        }
        if (properties.Count > 0)
        {
            var props = new JsonObject();
            foreach (var p in properties)
            {
                if (issue.Properties.TryGetValue(p, out var value)) props[p] = value?.DeepClone();
            }
            json["properties"] = props;
        }
        return json;
    }

    /// <summary>Jira converts between formats per API version: v3 always shows ADF, v2 always a string.</summary>
    private static JsonNode? DescriptionFor(FakeJiraIssue issue, bool cloud)
    {
        var stored = issue.Fields["description"];
        if (stored is null) return null;
        var isAdf = stored is JsonObject;
        if (cloud == isAdf) return stored.DeepClone();
        return cloud ? AdfDescription.FromText(stored.GetValue<string>()) : JsonValue.Create(stored.ToJsonString());
    }

    private JsonObject CommentJson(FakeJiraIssue issue, FakeJiraComment comment, string version) => new()
    {
        ["self"] = new Uri(BaseUrl, $"rest/api/{version}/issue/{issue.Id}/comment/{comment.Id}").ToString(),
        ["id"] = comment.Id,
        ["author"] = UserJson(comment.Author, version == "3"),
        ["body"] = comment.Body.DeepClone(),
        ["updateAuthor"] = UserJson(comment.Author, version == "3"),
        ["created"] = JiraTime.Format(comment.Created),
        ["updated"] = JiraTime.Format(comment.Created),
        ["jsdPublic"] = true,
    };

    private JsonObject TransitionsJson(FakeJiraIssue issue)
    {
        var list = new JsonArray();
        foreach (var t in Workflow.Transitions)
        {
            if (string.Equals(t.To, issue.Status.Name, StringComparison.OrdinalIgnoreCase)) continue;
            list.Add(new JsonObject
            {
                ["id"] = t.Id,
                ["name"] = t.Name,
                ["to"] = StatusJson(Workflow.Status(t.To)),
                ["hasScreen"] = false,
                ["isGlobal"] = true,
                ["isInitial"] = false,
                ["isAvailable"] = true,
                ["isConditional"] = false,
                ["looped"] = false,
            });
        }
        return new JsonObject { ["expand"] = "transitions", ["transitions"] = list };
    }

    private JsonObject ApprovalJson(FakeJiraIssue issue, FakeJsmApproval approval, FakeJiraUser caller)
    {
        var approvers = new JsonArray();
        foreach (var a in approval.Approvers)
        {
            approvers.Add(new JsonObject
            {
                ["approver"] = new JsonObject
                {
                    ["accountId"] = a.User.AccountId,
                    ["emailAddress"] = a.User.Email,
                    ["displayName"] = a.User.DisplayName,
                    ["active"] = true,
                    ["timeZone"] = "UTC",
                },
                ["approverDecision"] = a.Decision,
            });
        }
        var json = new JsonObject
        {
            ["id"] = approval.Id,
            ["name"] = approval.Name,
            ["finalDecision"] = approval.FinalDecision,
            ["canAnswerApproval"] = approval.Completed is null && approval.Approvers.Any(a => a.User == caller && a.Decision == "pending"),
            ["approvers"] = approvers,
            ["createdDate"] = DateJson(approval.Created),
            ["_links"] = new JsonObject
            {
                ["self"] = new Uri(BaseUrl, $"rest/servicedeskapi/request/{issue.Id}/approval/{approval.Id}").ToString(),
            },
        };
        if (approval.Completed is { } completed) json["completedDate"] = DateJson(completed);
        return json;
    }

    private static JsonObject DateJson(DateTimeOffset at) => new()
    {
        ["iso8601"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+0000'", CultureInfo.InvariantCulture),
        ["jira"] = JiraTime.Format(at),
        ["friendly"] = at.UtcDateTime.ToString("dd/MMM/yy h:mm tt", CultureInfo.InvariantCulture),
        ["epochMillis"] = at.ToUnixTimeMilliseconds(),
    };
}
