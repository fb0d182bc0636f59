using System.Text.Json.Nodes;
using RestSharp;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;
using TicketGate.Integrations.Transport;

namespace TicketGate.Integrations.ServiceNow;

/// <summary>
/// ServiceNow normal changes: created with the Change Management API (correlation_id = idempotency key), moved to Assess to start
/// approval, read back through the Table API (change_request roll-up, sysapproval_approver for who decided), noted in work_notes,
/// and closed or cancelled by state.
/// </summary>
public sealed class ServiceNowClient : ITicketSystem, ITicketBatchDecisionReader, IDisposable
{
    public const string System = "ServiceNow";
    private const string ChangeTable = "api/now/table/change_request";
    private const string ApprovalTable = "api/now/table/sysapproval_approver";
    private const string ChangeFields = "sys_id,number,state,approval,correlation_id,sys_updated_on";
    private const string ApprovalFields = "sys_id,state,sysapproval,approver,approver.user_name,approver.email,comments,sys_updated_on";
    private const int MaxShortDescription = 160;

    private readonly ServiceNowOptions _options;
    private readonly TicketApiConnection _connection;
    private readonly Uri _instance;

    /// <summary>Basic auth with an integration user holding the itil (or change_manager) role.</summary>
    public ServiceNowClient(ServiceNowOptions options, string user, Func<string> password)
        : this(options, new BasicAuthorization(user, password))
    {
    }

    /// <summary>Any authorization, e.g. <see cref="ServiceNowOAuth"/>.</summary>
    public ServiceNowClient(ServiceNowOptions options, IAuthorization authorization)
    {
        _options = options;
        _instance = options.InstanceUrl.AbsoluteUri.EndsWith('/') ? options.InstanceUrl : new Uri(options.InstanceUrl.AbsoluteUri + "/");
        _connection = new TicketApiConnection(System, _instance, authorization, new TicketChannel(System, options.Channel),
            VendorError.FromServiceNow);
    }

    public TicketSystemKind Kind => TicketSystemKind.ServiceNow;
    public ITicketChannelHealth Health => _connection.Channel;

    public async Task<TicketRef> CreateAsync(TicketDraft draft, CancellationToken cancellationToken)
    {
        var ticket = await CreateOnce.RunAsync(System, draft.IdempotencyKey, ct => PostChangeAsync(draft, ct),
            ct => FindByIdempotencyKeyAsync(draft.IdempotencyKey, ct), _options.CreateOnce, cancellationToken).ConfigureAwait(false);
        await RequestApprovalAsync(ticket, cancellationToken).ConfigureAwait(false);
        return ticket;
    }

    private async Task<TicketRef> PostChangeAsync(TicketDraft draft, CancellationToken cancellationToken)
    {
        var statement = HeldStatementText.From(draft.Statement, draft.RequestPage, _options.MaxStatementBytes);
        var body = new JsonObject
        {
            ["short_description"] = TicketFacts.OneLine(draft.Summary, MaxShortDescription),
            ["description"] = TicketFacts.PlainText(draft, statement),
            ["justification"] = $"Requested by {draft.Requester} through TicketGate; rule {draft.MatchedRule} ({draft.Tier}).",
            ["implementation_plan"] = "TicketGate runs the held statement once this change is approved.",
            ["backout_plan"] = "Rejecting the change discards the statement; nothing runs.",
            ["correlation_id"] = draft.IdempotencyKey,
            ["correlation_display"] = "TicketGate",
            ["end_date"] = ServiceNowRecord.Format(draft.Deadline),
        };
        if ((draft.ApproverGroup ?? _options.AssignmentGroup) is { } group) body["assignment_group"] = group;
        var answer = await _connection.SendForJsonAsync(new RestRequest("api/sn_chg_rest/change/normal", Method.Post).WithJson(body),
            CallKind.Create, "create normal change", cancellationToken).ConfigureAwait(false);
        var record = answer["result"] as JsonObject
            ?? throw new TicketSystemException(System, "create normal change", null, "the answer has no result object");
        return Reference(record, draft.IdempotencyKey, "create normal change");
    }

    /// <summary>Starts the approval flow once: a change still in New moves to Assess; any later state is left alone.</summary>
    private async Task RequestApprovalAsync(TicketRef ticket, CancellationToken cancellationToken)
    {
        var record = await GetChangeAsync(ticket, cancellationToken).ConfigureAwait(false);
        if (ServiceNowRecord.Value(record, "state") != _options.States.New) return;
        await PatchAsync(ticket, new JsonObject { ["state"] = _options.States.Assess }, $"request approval of {ticket.Key}", cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<TicketRef?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        var request = new RestRequest(ChangeTable)
            .AddQueryParameter("sysparm_query", $"correlation_id={idempotencyKey}^ORDERBYsys_created_on")
            .AddQueryParameter("sysparm_fields", ChangeFields)
            .AddQueryParameter("sysparm_limit", 10);
        var answer = await _connection.SendForJsonAsync(request, CallKind.Repeatable, $"find change {idempotencyKey}", cancellationToken)
            .ConfigureAwait(false);
        if (answer["result"] is not JsonArray records) return null;
        foreach (var node in records)
        {
            if (node is JsonObject record && ServiceNowRecord.Value(record, "correlation_id") == idempotencyKey)
            {
                return Reference(record, idempotencyKey, $"find change {idempotencyKey}");
            }
        }
        return null;
    }

    public async Task<TicketDecision> ReadDecisionAsync(TicketRef ticket, CancellationToken cancellationToken)
    {
        var change = await GetChangeAsync(ticket, cancellationToken).ConfigureAwait(false);
        if (ServiceNowRecord.Value(change, "correlation_id") != ticket.IdempotencyKey)
        {
            throw new TicketSystemException(System, $"read change {ticket.Key}", null,
                $"the change's correlation_id is no longer {ticket.IdempotencyKey}, so a decision on it cannot count for this request");
        }
        var approval = ServiceNowRecord.Value(change, "approval") ?? "";
        var verdict = _options.States.VerdictOf(approval);
        if (verdict == TicketVerdict.Pending) return TicketDecision.Pending(ticket, approval);
        var approvals = await ApprovalsAsync($"sysapproval={ticket.Id}", cancellationToken).ConfigureAwait(false);
        return ServiceNowDecision.From(ticket, verdict, approval, approvals);
    }

    /// <summary>Polls many changes with two queries (changes, then approval records of the decided ones), as polling should.</summary>
    public async Task<IReadOnlyList<TicketDecision>> ReadDecisionsAsync(IReadOnlyList<TicketRef> tickets, CancellationToken cancellationToken)
    {
        if (tickets.Count == 0) return [];
        var byId = new Dictionary<string, TicketRef>(StringComparer.Ordinal);
        foreach (var t in tickets) byId[t.Id] = t;
        var request = new RestRequest(ChangeTable)
            .AddQueryParameter("sysparm_query", "sys_idIN" + string.Join(',', byId.Keys))
            .AddQueryParameter("sysparm_fields", ChangeFields)
            .AddQueryParameter("sysparm_limit", byId.Count);
        var answer = await _connection.SendForJsonAsync(request, CallKind.Repeatable, $"poll {byId.Count} changes", cancellationToken)
            .ConfigureAwait(false);
        var decisions = new List<TicketDecision>(byId.Count);
        var decided = new List<(TicketRef Ticket, TicketVerdict Verdict, string Approval)>();
        foreach (var node in answer["result"] as JsonArray ?? [])
        {
            if (node is not JsonObject change || ServiceNowRecord.Value(change, "sys_id") is not { } id || !byId.TryGetValue(id, out var ticket))
            {
                continue;
            }
            // A change whose correlation_id was edited does not speak for its request; it stays pending and is not released.
            var approval = ServiceNowRecord.Value(change, "approval") ?? "";
            var verdict = ServiceNowRecord.Value(change, "correlation_id") == ticket.IdempotencyKey
                ? _options.States.VerdictOf(approval)
                : TicketVerdict.Pending;
            if (verdict == TicketVerdict.Pending) decisions.Add(TicketDecision.Pending(ticket, approval));
            else decided.Add((ticket, verdict, approval));
        }
        if (decided.Count > 0)
        {
            var ids = new List<string>(decided.Count);
            foreach (var d in decided) ids.Add(d.Ticket.Id);
            var approvals = await ApprovalsAsync("sysapprovalIN" + string.Join(',', ids), cancellationToken).ConfigureAwait(false);
            foreach (var d in decided) decisions.Add(ServiceNowDecision.From(d.Ticket, d.Verdict, d.Approval, approvals));
        }
        return decisions;
    }

    public Task CommentAsync(TicketRef ticket, string text, CancellationToken cancellationToken) =>
        PatchAsync(ticket, new JsonObject { ["work_notes"] = text }, $"add a work note to {ticket.Key}", cancellationToken);

    public Task EscalateAsync(TicketRef ticket, TicketEscalation escalation, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["work_notes"] = escalation.Comment };
        if (escalation.Group is not null) body["assignment_group"] = escalation.Group;
        if (escalation.Assignee is not null) body["assigned_to"] = escalation.Assignee;
        return PatchAsync(ticket, body, $"escalate {ticket.Key}", cancellationToken);
    }

    public async Task CloseAsync(TicketRef ticket, TicketClosure closure, CancellationToken cancellationToken)
    {
        var done = closure.Kind == TicketCloseKind.Done;
        var target = done ? _options.States.Closed : _options.States.Cancelled;
        var change = await GetChangeAsync(ticket, cancellationToken).ConfigureAwait(false);
        if (ServiceNowRecord.Value(change, "state") == target) return;
        var body = new JsonObject
        {
            ["state"] = target,
            ["close_code"] = done ? _options.States.ClosedCode : _options.States.CancelledCode,
            ["close_notes"] = closure.Describe(),
            ["work_notes"] = closure.Describe(),
        };
        await PatchAsync(ticket, body, $"close {ticket.Key}", cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonObject> GetChangeAsync(TicketRef ticket, CancellationToken cancellationToken)
    {
        var request = new RestRequest($"{ChangeTable}/{Uri.EscapeDataString(ticket.Id)}").AddQueryParameter("sysparm_fields", ChangeFields);
        var answer = await _connection.SendForJsonAsync(request, CallKind.Repeatable, $"read change {ticket.Key}", cancellationToken)
            .ConfigureAwait(false);
        return answer["result"] as JsonObject
            ?? throw new TicketSystemException(System, $"read change {ticket.Key}", null, "the answer has no result object");
    }

    private async Task<List<JsonObject>> ApprovalsAsync(string query, CancellationToken cancellationToken)
    {
        var request = new RestRequest(ApprovalTable)
            .AddQueryParameter("sysparm_query", query)
            .AddQueryParameter("sysparm_fields", ApprovalFields);
        var answer = await _connection.SendForJsonAsync(request, CallKind.Repeatable, "read approval records", cancellationToken)
            .ConfigureAwait(false);
        var records = new List<JsonObject>();
        foreach (var node in answer["result"] as JsonArray ?? [])
        {
            if (node is JsonObject record) records.Add(record);
        }
        return records;
    }

    private Task PatchAsync(TicketRef ticket, JsonObject body, string operation, CancellationToken cancellationToken) =>
        _connection.SendAsync(new RestRequest($"{ChangeTable}/{Uri.EscapeDataString(ticket.Id)}", Method.Patch).WithJson(body),
            CallKind.Repeatable, operation, cancellationToken);

    private TicketRef Reference(JsonObject record, string idempotencyKey, string operation)
    {
        var id = ServiceNowRecord.Value(record, "sys_id");
        if (string.IsNullOrEmpty(id)) throw new TicketSystemException(System, operation, null, "the record has no sys_id");
        var number = ServiceNowRecord.Value(record, "number") ?? id;
        var url = new Uri(_instance, $"nav_to.do?uri=change_request.do%3Fsys_id%3D{id}");
        return new TicketRef(TicketSystemKind.ServiceNow, id, number, url, idempotencyKey);
    }

    public void Dispose() => _connection.Dispose();
}
