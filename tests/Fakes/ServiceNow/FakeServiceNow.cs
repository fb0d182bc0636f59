using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using TicketGate.Integrations.ServiceNow;
using TicketGate.Integrations.Webhooks;

namespace TicketGate.Tests.Fakes.ServiceNow;

public sealed record FakeServiceNowUser(string SysId, string UserName, string Email, string Password);

public sealed class FakeChange
{
    public required string SysId { get; init; }
    public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);
    public List<string> WorkNotes { get; } = [];
    public int ModCount { get; set; }
}

public sealed class FakeApprovalRecord
{
    public required string SysId { get; init; }
    public required string ChangeSysId { get; init; }
    public required FakeServiceNowUser Approver { get; init; }
    public string State { get; set; } = "requested";
    public string Comments { get; set; } = "";
    public DateTimeOffset Updated { get; set; }
}

/// <summary>
/// A stateful ServiceNow: change_request and sysapproval_approver through the Table API, normal changes through sn_chg_rest,
/// basic auth and OAuth (/oauth_token.do, password and refresh_token grants). Approvers answer through the real approval calls or
/// <see cref="DecideAsync"/>; the approval roll-up and state follow, and the documented business rule's POST can be fired.
/// </summary>
public sealed partial class FakeServiceNow : FakeHost
{
    public const string ClientId = "ticketgate-oauth-client";
    public const string ClientSecret = "oauth-client-secret";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, FakeChange> _changes = new(StringComparer.Ordinal);
    private readonly List<FakeApprovalRecord> _approvals = [];
    private readonly Dictionary<string, (FakeServiceNowUser User, DateTimeOffset Expires)> _accessTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeServiceNowUser> _refreshTokens = new(StringComparer.Ordinal);
    private readonly HttpClient _webhookClient = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _nextNumber = 30041;

    private FakeServiceNow()
    {
        Integration = new FakeServiceNowUser(NewSysId(), "ticketgate.integration", "ticketgate@example.com", "integration-password");
        Approver = new FakeServiceNowUser(NewSysId(), "cab.approver", "cab.approver@example.com", "approver-password");
        SecondApprover = new FakeServiceNowUser(NewSysId(), "cab.second", "cab.second@example.com", "second-password");
        Approvers = [Approver];
    }

    public FakeServiceNowUser Integration { get; }
    public FakeServiceNowUser Approver { get; }
    public FakeServiceNowUser SecondApprover { get; }
    /// <summary>Who gets an approval record when a change enters Assess.</summary>
    public IReadOnlyList<FakeServiceNowUser> Approvers { get; set; }
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);
    public Uri? WebhookUrl { get; set; }
    public string? WebhookSecret { get; set; }
    public int TokensIssued { get; private set; }

    private IEnumerable<FakeServiceNowUser> Users => [Integration, Approver, SecondApprover];

    public static async Task<FakeServiceNow> StartAsync()
    {
        var fake = new FakeServiceNow();
        await fake.ListenAsync();
        return fake;
    }

    public IReadOnlyList<FakeChange> Changes
    {
        get
        {
            lock (_lock) return [.. _changes.Values];
        }
    }

    public FakeChange Change(string sysId)
    {
        lock (_lock) return _changes[sysId];
    }

    public IReadOnlyList<FakeApprovalRecord> ApprovalsOf(string changeSysId)
    {
        lock (_lock) return [.. _approvals.Where(a => a.ChangeSysId == changeSysId)];
    }

    /// <summary>Makes every issued access token invalid now, as if they expired early (a revoked session, a clock skew).</summary>
    public void RevokeAccessTokens()
    {
        lock (_lock) _accessTokens.Clear();
    }

    /// <summary>Plays the approver: sets their approval record's state, recomputes the roll-up, and fires the business rule.</summary>
    public async Task DecideAsync(string changeSysId, FakeServiceNowUser approver, bool approve, string comments = "")
    {
        string? payload;
        lock (_lock)
        {
            var record = _approvals.Single(a => a.ChangeSysId == changeSysId && a.Approver == approver && a.State == "requested");
            payload = Decide(record, approve ? "approved" : "rejected", comments);
        }
        if (payload is not null) await FireBusinessRuleAsync(payload);
    }

    /// <summary>Posts what the documented business rule posts, e.g. again for a duplicate.</summary>
    public async Task<int> FireBusinessRuleAsync(string payload)
    {
        if (WebhookUrl is null) return 0;
        using var content = new StringContent(payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var message = new HttpRequestMessage(HttpMethod.Post, WebhookUrl) { Content = content };
        if (WebhookSecret is not null) message.Headers.Add(ServiceNowWebhookVerifier.DefaultSecretHeader, WebhookSecret);
        using var response = await _webhookClient.SendAsync(message, TestContext.Current.CancellationToken);
        return (int)response.StatusCode;
    }

    /// <summary>Returns the business-rule payload when the roll-up changed.</summary>
    private string? Decide(FakeApprovalRecord record, string state, string comments)
    {
        record.State = state;
        record.Comments = comments;
        record.Updated = DateTimeOffset.UtcNow;
        var change = _changes[record.ChangeSysId];
        var records = _approvals.Where(a => a.ChangeSysId == change.SysId).ToList();
        string rollUp;
        if (records.Any(a => a.State == "rejected"))
        {
            rollUp = "rejected";
            foreach (var other in records.Where(a => a.State == "requested")) other.State = "not_required";
        }
        else
        {
            rollUp = records.All(a => a.State is "approved" or "not_required") ? "approved" : "requested";
        }
        if (rollUp == change.Fields["approval"]) return null;
        Touch(change, new Dictionary<string, string> { ["approval"] = rollUp, ["state"] = rollUp == "approved" ? "-2" : rollUp == "rejected" ? "-5" : change.Fields["state"] });
        return BusinessRulePayload(change);
    }

    private string BusinessRulePayload(FakeChange change) => new JsonObject
    {
        ["table"] = "change_request",
        ["sys_id"] = change.SysId,
        ["number"] = change.Fields["number"],
        ["approval"] = change.Fields["approval"],
        ["state"] = change.Fields["state"],
        ["correlation_id"] = change.Fields.GetValueOrDefault("correlation_id", ""),
        ["sys_mod_count"] = change.ModCount.ToString(CultureInfo.InvariantCulture),
    }.ToJsonString();

    /// <summary>The payload the business rule would send for the change as it is now.</summary>
    public string BusinessRulePayloadOf(string changeSysId)
    {
        lock (_lock) return BusinessRulePayload(_changes[changeSysId]);
    }

    private FakeChange NewChange(JsonObject input)
    {
        var now = DateTimeOffset.UtcNow;
        var change = new FakeChange { SysId = NewSysId() };
        change.Fields["sys_id"] = change.SysId;
        change.Fields["number"] = "CHG00" + (++_nextNumber).ToString(CultureInfo.InvariantCulture);
        change.Fields["type"] = "normal";
        change.Fields["state"] = "-5";
        change.Fields["approval"] = "not requested";
        change.Fields["sys_created_on"] = ServiceNowRecord.Format(now);
        change.Fields["sys_updated_on"] = ServiceNowRecord.Format(now);
        change.Fields["sys_mod_count"] = "0";
        _changes[change.SysId] = change;
        Apply(change, input);
        return change;
    }

    /// <summary>Writes fields; journal fields append; moving to Assess asks the approvers.</summary>
    private List<string> Apply(FakeChange change, JsonObject input)
    {
        var ignored = new List<string>();
        var updates = new Dictionary<string, string>();
        foreach (var (name, value) in input)
        {
            var text = value is JsonValue v ? v.ToString() : value?.ToJsonString() ?? "";
            if (name is "sys_id" or "number" or "sys_created_on" or "sys_updated_on" or "approval") ignored.Add(name);
            else if (name is "work_notes" or "comments") change.WorkNotes.Add(text);
            else updates[name] = text;
        }
        Touch(change, updates);
        if (updates.GetValueOrDefault("state") == "-4" && change.Fields["approval"] == "not requested")
        {
            foreach (var approver in Approvers)
            {
                _approvals.Add(new FakeApprovalRecord { SysId = NewSysId(), ChangeSysId = change.SysId, Approver = approver, Updated = DateTimeOffset.UtcNow });
            }
            Touch(change, new Dictionary<string, string> { ["approval"] = "requested" });
        }
        return ignored;
    }

    private static void Touch(FakeChange change, Dictionary<string, string> updates)
    {
        foreach (var (name, value) in updates) change.Fields[name] = value;
        change.ModCount++;
        change.Fields["sys_mod_count"] = change.ModCount.ToString(CultureInfo.InvariantCulture);
        change.Fields["sys_updated_on"] = ServiceNowRecord.Format(DateTimeOffset.UtcNow);
    }

    private static string NewSysId() => Guid.NewGuid().ToString("N");

    protected override string? Unauthorized(HttpRequest request) =>
        request.Path.Value == "/oauth_token.do" || Caller(request) is not null
            ? null
            : ErrorJson("User Not Authenticated", "Required to provide Auth information");

    private FakeServiceNowUser? Caller(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            lock (_lock)
            {
                return _accessTokens.TryGetValue(header["Bearer ".Length..], out var token) && token.Expires > DateTimeOffset.UtcNow ? token.User : null;
            }
        }
        if (!header.StartsWith("Basic ", StringComparison.Ordinal)) return null;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':');
        return colon < 0 ? null : Users.FirstOrDefault(u => u.UserName == decoded[..colon] && u.Password == decoded[(colon + 1)..]);
    }

    private static string ErrorJson(string message, string? detail) =>
        new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["detail"] = detail }, ["status"] = "failure" }.ToJsonString();

    protected override string ErrorBody(string path, int status, string message) => status == 429
        ? ErrorJson("Rate limit exceeded", "Rate limit of 100 requests per hour for Table API exceeded")
        : ErrorJson(message, null);
}
