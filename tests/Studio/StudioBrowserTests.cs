using System.Net;
using System.Text.Json.Nodes;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Studio;

/// <summary>
/// The real Elsa Studio 3.8.2 bundle in the Debian chromium, against a real gateway: an admin signs in through the issuer,
/// designs RiskTier → RequestApproval → Allow/Deny, publishes it in the editor, a statement run with psql is held and
/// decided by it, and the finished instance and its journal show in the viewer. Each step leaves a screenshot in
/// TestResults/studio-browser beside the test assembly (and as a test attachment).
/// </summary>
public sealed class StudioBrowserTests(PostgresClusterFixture postgres)
{
    private const string DefinitionId = "studio-approval";
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(90);
    private readonly string artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "studio-browser")).FullName;

    [Fact]
    public async Task Admin_designs_and_publishes_a_flow_in_the_studio_and_watches_the_held_command_it_decided()
    {
        Assert.True(File.Exists(HeadlessChromium.Executable), "the Debian chromium package is required (apt-get install chromium)");
        await using var gateway = await GatewayFixture.StartAsync(postgres, options => GatewayFixture.WithWorkflows(options,
            new WorkflowOptions { Approvals = new ApprovalWorkflowBindings { DefaultDefinitionId = DefinitionId } }));
        await using var browser = await HeadlessChromium.StartAsync();

        // 1. Sign in: the Studio sends the browser to the issuer's sign-in page; dana is in ticketgate-admins.
        await browser.NavigateAsync(gateway.HttpUrl + "/studio/workflows/definitions");
        await browser.WaitForAsync("document.querySelector('button[value=dana]')", TimeSpan.FromSeconds(20), "the issuer's sign-in page");
        await SaveAsync(browser, "01-sign-in");
        await browser.EvaluateAsync("document.querySelector('button[value=dana]').click()");
        await browser.WaitForAsync("location.pathname === '/studio/workflows/definitions' && document.querySelector('elsa-workflow-definition-list')",
            TimeSpan.FromSeconds(20), "the definition list page after sign-in");
        await browser.WaitForAsync("document.querySelector('elsa-workflow-definition-list').innerText.includes('Approval')", Boot,
            "the definition list to render the imported approval workflow");
        await SaveAsync(browser, "02-definitions");

        // 2. Create the flowchart from the page, through the same-origin session, as the list's Create button would.
        var created = await browser.EvaluateAsync(
            $$"""
            fetch('/elsa/api/workflow-definitions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ model: {{Design().ToJsonString()}}, publish: null }) })
              .then(async r => ({ status: r.status, body: await r.json() }))
            """);
        Assert.Equal(200, (int)created!["status"]!);

        // 3. The designer shows TicketGate's activities; Publish in the editor's toolbar publishes it.
        await browser.NavigateAsync($"{gateway.HttpUrl}/studio/workflows/definitions/{DefinitionId}/edit");
        await browser.WaitForAsync("document.querySelector('elsa-workflow-definition-editor').innerText.includes('Request approval')", Boot,
            "the designer to render the flowchart");
        // Open the toolbox's TicketGate group and select the approval step, so the picture shows TicketGate's activities and inputs.
        await browser.EvaluateAsync(
            """
            (() => {
              const editor = document.querySelector('elsa-workflow-definition-editor');
              const group = [...editor.querySelectorAll('.mud-expand-panel-header')].find(h => h.innerText.trim() === 'TicketGate');
              if (group) group.click();
              const node = [...editor.querySelectorAll('elsa-activity-wrapper')].find(n => n.innerText.includes('RequestApproval1'));
              if (node) (node.querySelector('div') ?? node).click();
              return true;
            })()
            """);
        await Task.Delay(TimeSpan.FromSeconds(3)); // let the graph and the panels settle before the picture
        await SaveAsync(browser, "03-designer");
        Assert.Empty(browser.PageErrors);
        // The toolbar's Publish is the primary-coloured cloud button beside the publish menu.
        await browser.EvaluateAsync("document.querySelector('elsa-workflow-definition-editor button.mud-primary-text').click()");
        await browser.WaitForAsync(
            $"fetch('/elsa/api/workflow-definitions/by-definition-id/{DefinitionId}?versionOptions=Published').then(r => r.ok)",
            TimeSpan.FromSeconds(30), "the definition to be published from the editor");
        await SaveAsync(browser, "04-published");

        // 4. A medium-tier statement through the gateway is held and starts an instance of the published flow; an approver approves.
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 7"]);
        var request = await gateway.WaitForPendingAsync();
        var instanceId = ApprovalWorkflowInput.InstanceIdOf(request.Request.Id);
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApproveAsync(request.Request.Id, "alice")).StatusCode);
        var result = await psql;
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(DefinitionId, (await gateway.WorkflowOfAsync(request.Request.Id))!.DefinitionId);

        // 5. The instance list shows it finished; the viewer shows its journal.
        await browser.NavigateAsync(gateway.HttpUrl + "/studio/workflows/instances");
        await browser.WaitForAsync($"document.querySelector('elsa-workflow-instance-list').innerText.includes('{instanceId}')", Boot,
            "the instance list to show the held command's instance");
        await browser.WaitForAsync("document.querySelector('elsa-workflow-instance-list').innerText.includes('Finished')", TimeSpan.FromSeconds(20),
            "the instance to show as finished");
        await SaveAsync(browser, "05-instances");

        await browser.NavigateAsync($"{gateway.HttpUrl}/studio/workflows/instances/{instanceId}/view");
        // innerText follows the theme's text-transform, so tab captions read in upper case.
        await browser.WaitForAsync("document.querySelector('elsa-workflow-instance-viewer').innerText.toLowerCase().includes('journal')", Boot, "the instance viewer");
        await browser.WaitForAsync("document.querySelector('elsa-workflow-instance-viewer').innerText.includes('Request approval - Completed')", TimeSpan.FromSeconds(30),
            "the journal's entry for the approval");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await SaveAsync(browser, "06-viewer-journal");
        var journal = (string)(await browser.EvaluateAsync("document.querySelector('elsa-workflow-instance-viewer').innerText"))!;
        Assert.Contains("Risk tier - Completed", journal, StringComparison.Ordinal);
        Assert.Contains("Request approval - Suspended", journal, StringComparison.Ordinal);
        Assert.Contains("Finished", journal, StringComparison.Ordinal);
        Assert.Empty(browser.PageErrors);
    }

    private async Task SaveAsync(HeadlessChromium browser, string step)
    {
        var png = await browser.ScreenshotAsync();
        var path = Path.Combine(artifacts, step + ".png");
        await File.WriteAllBytesAsync(path, png);
        TestContext.Current.AddAttachment(step + ".png", png, "image/png");
        TestContext.Current.SendDiagnosticMessage($"screenshot {path}");
    }

    /// <summary>RiskTier → RequestApproval → Allow / Deny, laid out left to right as a person would draw it.</summary>
    private static JsonObject Design()
    {
        var model = StudioFlows.RiskTierApproval(DefinitionId, "Studio approval");
        model["definitionId"] = DefinitionId;
        var positions = new Dictionary<string, (int X, int Y)>
        {
            ["tier"] = (0, 220),
            ["ask"] = (320, 140),
            ["allow"] = (680, 60),
            ["deny"] = (680, 240),
            ["block"] = (320, 380),
        };
        foreach (var activity in model["root"]!["activities"]!.AsArray())
        {
            var (x, y) = positions[(string)activity!["id"]!];
            activity["metadata"] = new JsonObject
            {
                ["designer"] = new JsonObject
                {
                    ["position"] = new JsonObject { ["x"] = x, ["y"] = y },
                    ["size"] = new JsonObject { ["width"] = 0, ["height"] = 0 },
                },
            };
        }
        return model;
    }
}
