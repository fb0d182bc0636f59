using System.Text.Json.Nodes;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;
using static TicketGate.Tests.Workflows.Studio;

namespace TicketGate.Tests.Workflows;

public sealed class DefinitionVersioningTests(WorkflowDatabase database) : IClassFixture<WorkflowDatabase>, IDisposable
{
    private readonly WorkflowHarness harness = new(database.DataSource);
    private readonly string directory = Directory.CreateTempSubdirectory("ticketgate-workflows-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject Greeting(string definitionId, string text) =>
        Definition(definitionId, Array(Activity("say", "Elsa.WriteLine", ("text", Literal("String", text)))), []);

    private WorkflowImporter Importer() => new(harness.Catalog);

    private async Task<IReadOnlyList<ImportedWorkflow>> ImportAsync() => await Importer().ImportDirectoryAsync(directory, Ct);

    private void Write(string file, JsonObject definition) => File.WriteAllText(Path.Combine(directory, file), definition.ToJsonString());

    [Fact]
    public async Task Import_publishes_a_new_version_only_when_the_content_changed()
    {
        Write("greeting.json", Greeting("import-greeting", "hello"));

        var first = Assert.Single(await ImportAsync());
        var again = Assert.Single(await ImportAsync());
        Write("greeting.json", Greeting("import-greeting", "hello again"));
        var changed = Assert.Single(await ImportAsync());

        Assert.Equal((ImportOutcome.Imported, 1), (first.Outcome, first.Version));
        Assert.Equal((ImportOutcome.Unchanged, 1), (again.Outcome, again.Version));
        Assert.Equal((ImportOutcome.Imported, 2), (changed.Outcome, changed.Version));
        var versions = await harness.Catalog.Store.ListVersionsAsync("import-greeting", Ct);
        Assert.Equal([(2, true, true), (1, false, false)], versions.Select(v => (v.Definition.Version, v.Definition.IsLatest, v.Definition.IsPublished)));
        var result = await harness.Runner.StartAsync("import-greeting", new WorkflowStartRequest(), Ct);
        Assert.Equal("hello again", WorkflowHarness.Logged(result.Instance, "say"));
    }

    [Fact]
    public async Task Import_with_one_invalid_file_imports_nothing_and_names_file_activity_and_input()
    {
        Write("a-good.json", Greeting("import-good", "fine"));
        Write("b-bad.json", Definition("import-bad",
            Array(Activity("if1", "Elsa.FlowDecision", ("condition", Js("Boolean", "return ((;")))), []));
        File.WriteAllText(Path.Combine(directory, "c-broken.json"), "{ not json");

        var e = await Assert.ThrowsAsync<WorkflowImportException>(ImportAsync);

        Assert.Contains("b-bad.json", e.Message);
        Assert.Contains("activity 'if1', input 'Condition'", e.Message);
        Assert.Contains("c-broken.json", e.Message);
        Assert.Null(await harness.Catalog.Store.FindPublishedAsync("import-good", Ct));
    }

    [Fact]
    public async Task Draft_is_overwritten_in_place_until_published_then_a_new_draft_starts()
    {
        var model = WorkflowJson.Parse(Greeting("studio-flow", "v1").ToJsonString());
        var created = await harness.Catalog.SaveDraftAsync(model, Ct);
        var resaved = await harness.Catalog.SaveDraftAsync(WorkflowJson.Parse(Greeting("studio-flow", "v1 edited").ToJsonString()), Ct);

        Assert.Equal((created.Definition.Id, 1), (resaved.Definition.Id, resaved.Definition.Version));
        Assert.False(resaved.Definition.IsPublished);

        var (published, already) = await harness.Catalog.PublishAsync("studio-flow", Ct);
        var (_, again) = await harness.Catalog.PublishAsync("studio-flow", Ct);
        Assert.False(already);
        Assert.True(again);
        Assert.True(published.Definition.IsPublished);

        var draft = await harness.Catalog.SaveDraftAsync(WorkflowJson.Parse(Greeting("studio-flow", "v2").ToJsonString()), Ct);
        Assert.Equal(2, draft.Definition.Version);
        Assert.NotEqual(created.Definition.Id, draft.Definition.Id);
        var versions = await harness.Catalog.Store.ListVersionsAsync("studio-flow", Ct);
        Assert.Equal([(2, true, false), (1, false, true)], versions.Select(v => (v.Definition.Version, v.Definition.IsLatest, v.Definition.IsPublished)));

        var run = await harness.Runner.StartAsync("studio-flow", new WorkflowStartRequest(), Ct);
        Assert.Equal("v1 edited", WorkflowHarness.Logged(run.Instance, "say"));
        Assert.True(await harness.Catalog.RetractAsync("studio-flow", Ct));
        await Assert.ThrowsAsync<WorkflowDefinitionNotFoundException>(() => harness.Runner.StartAsync("studio-flow", new WorkflowStartRequest(), Ct));
    }

    [Fact]
    public async Task Publishing_an_invalid_draft_is_refused_and_changes_nothing()
    {
        await harness.Catalog.SaveDraftAsync(WorkflowJson.Parse(Greeting("refused", "ok").ToJsonString()), Ct);
        await harness.Catalog.PublishAsync("refused", Ct);
        await harness.Catalog.SaveDraftAsync(WorkflowJson.Parse(Definition("refused",
            Array(Activity("x", "TicketGate.NotYetWritten")), []).ToJsonString()), Ct);

        var e = await Assert.ThrowsAsync<WorkflowValidationException>(() => harness.Catalog.PublishAsync("refused", Ct));

        Assert.Equal("x", Assert.Single(e.Problems).ActivityId);
        var versions = await harness.Catalog.Store.ListVersionsAsync("refused", Ct);
        Assert.Equal([(2, true, false), (1, false, true)], versions.Select(v => (v.Definition.Version, v.Definition.IsLatest, v.Definition.IsPublished)));
    }

    [Fact]
    public async Task Stored_definition_reads_back_losslessly_with_server_fields_from_the_row()
    {
        var studio = Greeting("lossless", "hi");
        studio["customProperties"] = new JsonObject { ["VariableTestValues"] = new JsonObject(), ["anything"] = new JsonArray(1, "two") };

        var saved = await harness.Catalog.SaveDraftAsync(WorkflowJson.Parse(studio.ToJsonString()), Ct);
        var read = await harness.Catalog.Store.FindVersionAsync(saved.Definition.Id!, Ct);

        var expected = JsonNode.Parse(studio.ToJsonString())!.AsObject();
        expected["id"] = saved.Definition.Id;
        expected["createdAt"] = JsonNode.Parse(WorkflowJson.Serialize(read!.Definition))!["createdAt"]!.DeepClone();
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(WorkflowJson.Serialize(read.Definition))));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
