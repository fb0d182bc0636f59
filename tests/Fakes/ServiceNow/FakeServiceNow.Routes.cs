using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TicketGate.Tests.Fakes.ServiceNow;

/// <summary>The REST surface of contract §2.2: Table API strings and references, sn_chg_rest value pairs, the error envelope.</summary>
public sealed partial class FakeServiceNow
{
    private static readonly Dictionary<string, string> StateNames = new()
    {
        ["-5"] = "New", ["-4"] = "Assess", ["-3"] = "Authorize", ["-2"] = "Scheduled", ["-1"] = "Implement", ["0"] = "Review", ["3"] = "Closed", ["4"] = "Canceled",
    };

    private static readonly HashSet<string> ReferenceFields = ["assignment_group", "assigned_to", "requested_by"];

    protected override void Map(WebApplication app)
    {
        app.MapPost("/oauth_token.do", IssueToken);
        app.MapPost("/api/now/table/change_request", async ctx => await CreateChange(ctx, chgRest: false));
        app.MapGet("/api/now/table/change_request", QueryChanges);
        app.MapGet("/api/now/table/change_request/{sys_id}", ctx => ReadChange(ctx, chgRest: false));
        app.MapPatch("/api/now/table/change_request/{sys_id}", ctx => PatchChange(ctx, chgRest: false));
        app.MapGet("/api/now/table/sysapproval_approver", QueryApprovals);
        app.MapPatch("/api/now/table/sysapproval_approver/{sys_id}", PatchApproval);
        app.MapPost("/api/sn_chg_rest/change/normal", async ctx => await CreateChange(ctx, chgRest: true));
        app.MapGet("/api/sn_chg_rest/change/{sys_id}", ctx => ReadChange(ctx, chgRest: true));
        app.MapPatch("/api/sn_chg_rest/change/{sys_id}", ctx => PatchChange(ctx, chgRest: true));
        app.MapPatch("/api/sn_chg_rest/change/{sys_id}/approvals", AnswerAsCaller);
    }

    private static Task NoRecord(HttpContext ctx) =>
        WriteJson(ctx, 404, ErrorJson("No Record found", "Record doesn't exist or ACL restricts the record retrieval"));

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

    private async Task IssueToken(HttpContext ctx)
    {
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        FakeServiceNowUser? user = null;
        if (form["client_id"] == ClientId && form["client_secret"] == ClientSecret)
        {
            lock (_lock)
            {
                user = form["grant_type"].ToString() switch
                {
                    "password" => Users.FirstOrDefault(u => u.UserName == form["username"] && u.Password == form["password"]),
                    "refresh_token" => _refreshTokens.GetValueOrDefault(form["refresh_token"].ToString()),
                    _ => null,
                };
            }
        }
        if (user is null)
        {
            ctx.Response.StatusCode = 401;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"error_description":"access_denied","error":"server_error"}""");
            return;
        }
        var access = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var refresh = form["grant_type"] == "refresh_token" ? form["refresh_token"].ToString() : Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        lock (_lock)
        {
            _accessTokens[access] = (user, DateTimeOffset.UtcNow + TokenLifetime);
            _refreshTokens[refresh] = user;
            TokensIssued++;
        }
        await WriteJson(ctx, 200, new JsonObject
        {
            ["access_token"] = access,
            ["refresh_token"] = refresh,
            ["scope"] = "useraccount",
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)TokenLifetime.TotalSeconds,
        }.ToJsonString());
    }

    private async Task CreateChange(HttpContext ctx, bool chgRest)
    {
        var input = await Body(ctx);
        if (input is null)
        {
            await WriteJson(ctx, 400, ErrorJson("Exception while reading request", "The payload is not valid JSON."));
            return;
        }
        string json;
        lock (_lock)
        {
            var change = NewChange(new JsonObject());
            var ignored = Apply(change, input);
            json = chgRest
                ? new JsonObject { ["result"] = ChgRestJson(change, ignored) }.ToJsonString()
                : new JsonObject { ["result"] = TableJson(change, null) }.ToJsonString();
            if (!chgRest) ctx.Response.Headers.Location = new Uri(BaseUrl, $"api/now/table/change_request/{change.SysId}").ToString();
        }
        await WriteJson(ctx, chgRest ? 200 : 201, json);
    }

    private Task QueryChanges(HttpContext ctx)
    {
        var query = ctx.Request.Query;
        var fields = Fields(query["sysparm_fields"]);
        var limit = int.TryParse(query["sysparm_limit"], CultureInfo.InvariantCulture, out var l) ? l : 10_000;
        var result = new JsonArray();
        var total = 0;
        lock (_lock)
        {
            foreach (var change in _changes.Values)
            {
                if (!Matches(query["sysparm_query"].ToString(), name => change.Fields.GetValueOrDefault(name))) continue;
                total++;
                if (result.Count < limit) result.Add(TableJson(change, fields));
            }
        }
        ctx.Response.Headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        return WriteJson(ctx, 200, new JsonObject { ["result"] = result }.ToJsonString());
    }

    private Task ReadChange(HttpContext ctx, bool chgRest)
    {
        string json;
        lock (_lock)
        {
            if (!_changes.TryGetValue((string)ctx.GetRouteValue("sys_id")!, out var change)) return NoRecord(ctx);
            json = new JsonObject
            {
                ["result"] = chgRest ? ChgRestJson(change, null) : TableJson(change, Fields(ctx.Request.Query["sysparm_fields"])),
            }.ToJsonString();
        }
        return WriteJson(ctx, 200, json);
    }

    private async Task PatchChange(HttpContext ctx, bool chgRest)
    {
        var input = await Body(ctx);
        if (input is null)
        {
            await WriteJson(ctx, 400, ErrorJson("Exception while reading request", "The payload is not valid JSON."));
            return;
        }
        string json;
        lock (_lock)
        {
            if (!_changes.TryGetValue((string)ctx.GetRouteValue("sys_id")!, out var change))
            {
                json = "";
            }
            else
            {
                Apply(change, input);
                json = new JsonObject { ["result"] = chgRest ? ChgRestJson(change, null) : TableJson(change, null) }.ToJsonString();
            }
        }
        if (json.Length == 0) await NoRecord(ctx);
        else await WriteJson(ctx, 200, json);
    }

    private Task QueryApprovals(HttpContext ctx)
    {
        var fields = Fields(ctx.Request.Query["sysparm_fields"]);
        var result = new JsonArray();
        lock (_lock)
        {
            foreach (var record in _approvals)
            {
                if (Matches(ctx.Request.Query["sysparm_query"].ToString(), name => name is "sysapproval" or "document_id" ? record.ChangeSysId : ApprovalValue(record, name)))
                {
                    result.Add(ApprovalJson(record, fields));
                }
            }
        }
        ctx.Response.Headers["X-Total-Count"] = result.Count.ToString(CultureInfo.InvariantCulture);
        return WriteJson(ctx, 200, new JsonObject { ["result"] = result }.ToJsonString());
    }

    private async Task PatchApproval(HttpContext ctx)
    {
        var input = await Body(ctx);
        var state = input?["state"]?.GetValue<string>();
        string? json = null;
        string? payload = null;
        var forbidden = false;
        lock (_lock)
        {
            var record = _approvals.FirstOrDefault(a => a.SysId == (string)ctx.GetRouteValue("sys_id")!);
            if (record is not null)
            {
                var caller = Caller(ctx.Request)!;
                forbidden = caller != record.Approver || state is not ("approved" or "rejected");
                if (!forbidden)
                {
                    payload = Decide(record, state!, input?["comments"]?.GetValue<string>() ?? "");
                    json = new JsonObject { ["result"] = ApprovalJson(record, null) }.ToJsonString();
                }
            }
        }
        if (forbidden) await WriteJson(ctx, 403, ErrorJson("Operation Failed", "Only the approver may approve or reject this record."));
        else if (json is null) await NoRecord(ctx);
        else await WriteJson(ctx, 200, json);
        if (payload is not null) _ = FireBusinessRuleAsync(payload);
    }

    private async Task AnswerAsCaller(HttpContext ctx)
    {
        var input = await Body(ctx);
        var state = input?["state"]?.GetValue<string>();
        var comments = input?["comments"]?.GetValue<string>() ?? "";
        string? error = null;
        string? json = null;
        string? payload = null;
        lock (_lock)
        {
            var sysId = (string)ctx.GetRouteValue("sys_id")!;
            var caller = Caller(ctx.Request)!;
            var record = _approvals.FirstOrDefault(a => a.ChangeSysId == sysId && a.Approver == caller && a.State == "requested");
            if (state is not ("approved" or "rejected")) error = "state must be approved or rejected";
            else if (state == "rejected" && comments.Length == 0) error = "comments are required to reject";
            else if (record is null) error = "User does not have an approval pending on this change";
            else
            {
                payload = Decide(record, state, comments);
                json = new JsonObject { ["result"] = ChgRestJson(_changes[sysId], null) }.ToJsonString();
            }
        }
        await WriteJson(ctx, error is null ? 200 : 400, error is null ? json! : ErrorJson("Invalid approval", error));
        if (payload is not null) _ = FireBusinessRuleAsync(payload);
    }

    private static HashSet<string>? Fields(string? list) =>
        string.IsNullOrEmpty(list) ? null : [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Encoded queries: conditions joined by ^, each field=value or fieldINa,b; ORDERBY terms are accepted and ignored.</summary>
    private static bool Matches(string query, Func<string, string?> value)
    {
        foreach (var term in query.Split('^', StringSplitOptions.RemoveEmptyEntries))
        {
            if (term.StartsWith("ORDERBY", StringComparison.Ordinal)) continue;
            var eq = term.IndexOf('=');
            var inAt = term.IndexOf("IN", StringComparison.Ordinal);
            if (eq > 0 && (inAt < 0 || eq < inAt))
            {
                if (value(term[..eq]) != term[(eq + 1)..]) return false;
            }
            else if (inAt > 0)
            {
                if (!term[(inAt + 2)..].Split(',').Contains(value(term[..inAt]))) return false;
            }
        }
        return true;
    }

    private JsonObject TableJson(FakeChange change, HashSet<string>? fields)
    {
        var json = new JsonObject();
        foreach (var (name, value) in change.Fields)
        {
            if (fields is not null && !fields.Contains(name)) continue;
            json[name] = ReferenceFields.Contains(name)
                ? new JsonObject { ["link"] = new Uri(BaseUrl, $"api/now/table/sys_user_group/{value}").ToString(), ["value"] = value }
                : JsonValue.Create(value);
        }
        json["sys_id"] = change.SysId;
        return json;
    }

    private static JsonObject ChgRestJson(FakeChange change, List<string>? ignored)
    {
        var json = new JsonObject();
        foreach (var (name, value) in change.Fields)
        {
            JsonNode? typed = name == "state" ? JsonValue.Create(int.Parse(value, CultureInfo.InvariantCulture)) : JsonValue.Create(value);
            var display = name switch
            {
                "state" => StateNames.GetValueOrDefault(value, value),
                "approval" => value switch { "not requested" => "Not Yet Requested", "requested" => "Requested", "approved" => "Approved", _ => "Rejected" },
                _ => value,
            };
            json[name] = new JsonObject { ["value"] = typed, ["display_value"] = display };
        }
        if (ignored is not null) json["__meta"] = new JsonObject { ["ignoredFields"] = new JsonArray([.. ignored.Select(i => JsonValue.Create(i))]) };
        return json;
    }

    private static string? ApprovalValue(FakeApprovalRecord record, string name) => name switch
    {
        "sys_id" => record.SysId,
        "state" => record.State,
        "approver" => record.Approver.SysId,
        "approver.user_name" => record.Approver.UserName,
        "approver.email" => record.Approver.Email,
        "comments" => record.Comments,
        "source_table" => "change_request",
        "sys_updated_on" => TicketGate.Integrations.ServiceNow.ServiceNowRecord.Format(record.Updated),
        _ => null,
    };

    private JsonObject ApprovalJson(FakeApprovalRecord record, HashSet<string>? fields)
    {
        var json = new JsonObject();
        foreach (var name in new[] { "sys_id", "state", "source_table", "approver", "approver.user_name", "approver.email", "sysapproval", "document_id", "comments", "sys_updated_on" })
        {
            if (fields is not null && !fields.Contains(name) && name is not ("sys_id" or "state")) continue;
            json[name] = name switch
            {
                "approver" => Reference("sys_user", record.Approver.SysId),
                "sysapproval" => Reference("task", record.ChangeSysId),
                "document_id" => Reference("change_request", record.ChangeSysId),
                _ => JsonValue.Create(ApprovalValue(record, name)),
            };
        }
        return json;
    }

    private JsonObject Reference(string table, string sysId) =>
        new() { ["link"] = new Uri(BaseUrl, $"api/now/table/{table}/{sysId}").ToString(), ["value"] = sysId };
}
