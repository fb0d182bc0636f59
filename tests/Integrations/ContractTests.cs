using System.Text.Json.Nodes;
using TicketGate.Integrations.Tickets;
using TicketGate.Tests.Fakes.Contract;
using TicketGate.Tests.Fakes.Jira;

namespace TicketGate.Tests.Integrations;

/// <summary>
/// The fakes check every answer against the stored API descriptions as they go (a fake's disposal fails the test on any violation);
/// these tests check the checker itself and hold the contract's sample payloads to the same schemas.
/// </summary>
public sealed class ContractTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string> Fixtures => new()
    {
        { "jira-create-issue-response.json", "jira-cloud-v3", "CreatedIssue" },
        { "jira-error-400.json", "jira-cloud-v3", "ErrorCollection" },
        { "jira-cloud-create-issue-request.v3.json", "jira-cloud-v3", "IssueUpdateDetails" },
        { "jira-dc-create-issue-request.v2.json", "jira-v2", "IssueUpdateDetails" },
        { "jsm-approvals-page.json", "jsm", "PagedDTOApprovalDTO" },
        { "servicenow-chg-rest-create-normal-response.json", "servicenow", "#/paths/~1api~1sn_chg_rest~1change~1normal/post/responses/200/content/application~1json/schema" },
        { "servicenow-error-404.json", "servicenow", "Error" },
        { "servicenow-error-429.json", "servicenow", "Error" },
        { "servicenow-table-approvals-response.json", "servicenow", "#/paths/~1api~1now~1table~1sysapproval_approver/get/responses/200/content/application~1json/schema" },
        { "servicenow-table-change-request-query-response.json", "servicenow", "#/paths/~1api~1now~1table~1change_request/get/responses/200/content/application~1json/schema" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Sample_payload_fits_its_schema(string fixture, string spec, string schema)
    {
        var document = Document(spec);
        var instance = JsonNode.Parse(File.ReadAllText(Path.Combine(ContractSpecs.Shared.Folder, "fixtures", fixture)));

        var errors = new SchemaValidator(document).Validate(instance, Schema(document, schema));

        Assert.Empty(errors);
    }

    [Fact]
    public void Jira_webhook_sample_issue_fits_the_issue_schema()
    {
        var payload = JsonNode.Parse(File.ReadAllText(Path.Combine(ContractSpecs.Shared.Folder, "fixtures", "jira-cloud-webhook-issue-updated-status.json")))!;
        var document = ContractSpecs.Shared.JiraV2;

        Assert.Empty(new SchemaValidator(document).Validate(payload["issue"]!.DeepClone(), Schema(document, "IssueBean")));
    }

    [Fact]
    public void Checker_refuses_wrong_shapes_undeclared_statuses_and_unknown_paths()
    {
        var specs = ContractSpecs.Shared;

        Assert.Contains(specs.Check("POST", "/rest/api/3/issue", 201, "application/json", """{"id":10042,"key":"GATE-1"}"""),
            p => p.Contains("$.id", StringComparison.Ordinal));
        Assert.Contains(specs.Check("POST", "/rest/api/3/issue", 201, "application/json", """{"id":"1","key":"GATE-1","extra":true}"""),
            p => p.Contains("\"extra\" is not allowed", StringComparison.Ordinal));
        Assert.Contains(specs.Check("POST", "/rest/api/3/issue/GATE-1/transitions", 200, "application/json", "{}"),
            p => p.Contains("status 200 is not declared", StringComparison.Ordinal));
        Assert.Contains(specs.Check("GET", "/rest/api/3/nothing/here", 200, "application/json", "{}"),
            p => p.Contains("no such operation", StringComparison.Ordinal));
        Assert.Contains(specs.Check("GET", "/api/now/table/sysapproval_approver", 200, "application/json",
            """{"result":[{"sys_id":"a","state":"maybe"}]}"""), p => p.Contains("not one of", StringComparison.Ordinal));
        Assert.Contains(specs.Check("POST", "/api/sn_chg_rest/change/normal", 200, "application/json",
            """{"result":{"sys_id":"plain string, not a value pair"}}"""), p => p.Contains("$.result.sys_id", StringComparison.Ordinal));
        Assert.Contains(specs.Check("GET", "/api/now/table/change_request", 429, "application/json", """{"error":"too many"}"""),
            p => p.Contains("$.error", StringComparison.Ordinal));
        Assert.Empty(specs.Check("GET", "/api/now/table/change_request", 429, "application/json",
            File.ReadAllText(Path.Combine(specs.Folder, "fixtures", "servicenow-error-429.json"))));
    }

    [Fact]
    public async Task Every_answer_of_a_full_Jira_round_trip_is_checked_and_fits()
    {
        var jira = await FakeJira.StartAsync();
        jira.ServiceManagementApprovers = [jira.Approver];
        using (var cloud = TicketScenario.Cloud(jira))
        using (var dc = TicketScenario.DataCenter(jira))
        {
            foreach (var client in new TicketGate.Integrations.Jira.JiraClient[] { cloud, dc })
            {
                var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
                Assert.NotNull(await client.FindByIdempotencyKeyAsync(ticket.IdempotencyKey, Ct));
                await client.EscalateAsync(ticket, new TicketEscalation("Still waiting.", Assignee: client == cloud ? jira.Approver.AccountId : jira.Approver.Name), Ct);
                await client.ServiceManagement.ListAsync(ticket.Key, Ct);
                await jira.AnswerApprovalAsync(ticket.Key, jira.Approver, approve: true);
                Assert.Equal(TicketVerdict.Approved, (await client.ReadDecisionAsync(ticket, Ct)).Verdict);
                await client.CloseAsync(ticket, new TicketClosure { Kind = TicketCloseKind.Done, Outcome = "approved" }, Ct);
            }
            await Assert.ThrowsAsync<TicketSystemException>(() => cloud.ReadDecisionAsync(
                new TicketRef(TicketSystemKind.JiraCloud, "999999", "GATE-999", jira.BaseUrl, "tg-x"), Ct));
        }

        Assert.Empty(jira.ContractViolations);
        Assert.True(jira.CheckedResponses >= 20, $"only {jira.CheckedResponses} answers were checked");
        await jira.DisposeAsync();
    }

    private static OpenApiDocument Document(string spec) => spec switch
    {
        "jira-cloud-v3" => ContractSpecs.Shared.JiraCloud,
        "jira-v2" => ContractSpecs.Shared.JiraV2,
        "jsm" => ContractSpecs.Shared.ServiceManagement,
        _ => ContractSpecs.Shared.ServiceNow,
    };

    private static JsonNode Schema(OpenApiDocument document, string name) =>
        document.Resolve(new JsonObject { ["$ref"] = name.StartsWith('#') ? name : $"#/components/schemas/{name}" });
}
