using System.Text.Json.Nodes;
using TicketGate.Workflows.Activities;
using TicketGate.Workflows.Runtime;
using static TicketGate.Tests.Workflows.Studio;

namespace TicketGate.Tests.Workflows;

public sealed class BookmarkResumeTests(WorkflowDatabase database) : IClassFixture<WorkflowDatabase>
{
    private readonly WorkflowHarness harness = new(database.DataSource);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject DelayThenSay(string id, string span) => Definition(id,
        Array(Activity("wait", "Elsa.Delay", ("timeSpan", Js("TimeSpan", "getVariable('Escalation')"))),
              Activity("say", "Elsa.WriteLine", ("text", Liquid("waited {{ Variables.Escalation }}")))),
        Array(Connect("wait", "Done", "say")),
        Array(Variable("Escalation", "TimeSpan", span)));

    private static JsonObject Signal(string id) => Definition(id,
        Array(Activity("ask", "Test.WaitForSignal", ("signal", Liquid("decision-{{ Input.RequestId }}")), ("received", new JsonObject
              {
                  ["typeName"] = "Object", ["memoryReference"] = new JsonObject { ["id"] = "var-decision" },
              })),
              Activity("say", "Elsa.WriteLine", ("text", Js("String", "'decided: ' + getVariable('Decision').status")))),
        Array(Connect("ask", "Done", "say")),
        Array(Variable("Decision", "Object", null)));

    [Fact]
    public async Task Delay_waits_on_a_timer_bookmark_that_the_scheduler_fires_when_due()
    {
        var started = await harness.RunAsync(DelayThenSay("delay", "00:10:00"));

        Assert.Equal((WorkflowStatus.Running, WorkflowSubStatus.Suspended), (started.Instance.Status, started.Instance.SubStatus));
        var bookmark = Assert.Single(started.Instance.Bookmarks);
        Assert.Equal(Delay.BookmarkName, bookmark.Name);
        Assert.Equal(harness.Clock.GetUtcNow().AddMinutes(10), bookmark.DueAt);
        Assert.Equal(bookmark.DueAt, harness.Scheduler.DueAt(bookmark.Id));

        harness.Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(await harness.Scheduler.FireDueAsync(harness.Clock.GetUtcNow()));
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var fired = Assert.Single(await harness.Scheduler.FireDueAsync(harness.Clock.GetUtcNow()));

        Assert.Equal(ResumeOutcome.Resumed, fired.Outcome);
        Assert.Equal(WorkflowSubStatus.Finished, fired.Run!.Instance.SubStatus);
        Assert.Equal("waited 00:10:00", WorkflowHarness.Logged(fired.Run.Instance, "say"));
        Assert.Equal(["Started", "Suspended", "Resumed", "Completed"],
            fired.Run.Instance.Journal.Where(e => e.ActivityId == "wait").Select(e => e.EventName));
    }

    [Fact]
    public async Task Second_resume_of_a_bookmark_is_a_harmless_no_op()
    {
        var started = await harness.RunAsync(Signal("duplicate"), new Dictionary<string, object?> { ["RequestId"] = "r1" });
        var bookmarkId = Assert.Single(started.Instance.Bookmarks).Id;

        var first = await harness.Runner.ResumeAsync(bookmarkId, new Dictionary<string, object?> { ["status"] = "approved" }, Ct);
        var second = await harness.Runner.ResumeAsync(bookmarkId, new Dictionary<string, object?> { ["status"] = "rejected" }, Ct);

        Assert.Equal(ResumeOutcome.Resumed, first.Outcome);
        Assert.Equal(ResumeOutcome.AlreadyConsumed, second.Outcome);
        var stored = await harness.Instances.FindAsync(started.Instance.Id, Ct);
        Assert.Equal("decided: approved", WorkflowHarness.Logged(stored!, "say"));
        Assert.Single(stored!.ActivityExecutions, r => r.ActivityId == "say");
    }

    [Fact]
    public async Task Concurrent_resumes_from_two_processes_run_the_bookmark_once()
    {
        var started = await harness.RunAsync(Signal("race"), new Dictionary<string, object?> { ["RequestId"] = "r2" });
        var bookmarkId = Assert.Single(started.Instance.Bookmarks).Id;
        var other = harness.Restart();

        var results = await Task.WhenAll(
            Task.Run(() => harness.Runner.ResumeAsync(bookmarkId, new Dictionary<string, object?> { ["status"] = "approved" }, Ct)),
            Task.Run(() => other.Runner.ResumeAsync(bookmarkId, new Dictionary<string, object?> { ["status"] = "rejected" }, Ct)));

        Assert.Single(results, r => r.Outcome == ResumeOutcome.Resumed);
        Assert.Single(results, r => r.Outcome == ResumeOutcome.AlreadyConsumed);
        var stored = await harness.Instances.FindAsync(started.Instance.Id, Ct);
        Assert.Single(stored!.ActivityExecutions, r => r.ActivityId == "say");
        Assert.Equal(WorkflowSubStatus.Finished, stored.SubStatus);
    }

    [Fact]
    public async Task Output_bound_to_a_variable_receives_the_resume_payload()
    {
        var started = await harness.RunAsync(Signal("output"), new Dictionary<string, object?> { ["RequestId"] = "r3" });

        var resumed = await harness.Runner.ResumeAsync(started.Instance.Bookmarks[0].Id,
            new Dictionary<string, object?> { ["status"] = "approved", ["by"] = new[] { "alice" } }, Ct);

        var decision = Assert.IsType<Dictionary<string, object?>>(resumed.Run!.Instance.Variables["Decision"]);
        Assert.Equal("approved", decision["status"]);
        Assert.Equal("decided: approved", WorkflowHarness.Logged(resumed.Run.Instance, "say"));
    }

    [Fact]
    public async Task Stimulus_finds_its_bookmark_by_hash_without_knowing_the_instance()
    {
        var started = await harness.RunAsync(Signal("stimulus"), new Dictionary<string, object?> { ["RequestId"] = "r4" });

        var none = await harness.Runner.ResumeStimulusAsync(WaitForSignal.BookmarkName,
            new Dictionary<string, object?> { ["signal"] = "decision-other" }, null, Ct);
        var results = await harness.Runner.ResumeStimulusAsync(WaitForSignal.BookmarkName,
            new Dictionary<string, object?> { ["signal"] = "decision-r4" }, new Dictionary<string, object?> { ["status"] = "rejected" }, Ct);

        Assert.Empty(none);
        var result = Assert.Single(results);
        Assert.Equal(started.Instance.Id, result.Run!.Instance.Id);
        Assert.Equal("decided: rejected", WorkflowHarness.Logged(result.Run.Instance, "say"));
    }

    [Fact]
    public async Task Suspended_instances_survive_a_restart_and_timers_that_fell_due_meanwhile_fire()
    {
        var delayed = await harness.RunAsync(DelayThenSay("restart-delay", "00:05:00"));
        var waiting = await harness.RunAsync(Signal("restart-signal"), new Dictionary<string, object?> { ["RequestId"] = "r5" });

        var restarted = harness.Restart();
        restarted.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.True(await restarted.Runner.RearmTimersAsync(Ct) >= 1);
        var fired = await restarted.Scheduler.FireDueAsync(restarted.Clock.GetUtcNow());
        var signalled = await restarted.Runner.ResumeAsync(waiting.Instance.Bookmarks[0].Id, new Dictionary<string, object?> { ["status"] = "approved" }, Ct);

        Assert.Contains(fired, r => r.Run?.Instance.Id == delayed.Instance.Id && r.Run.Instance.SubStatus == WorkflowSubStatus.Finished);
        Assert.Equal(WorkflowSubStatus.Finished, signalled.Run!.Instance.SubStatus);
        Assert.Equal("decided: approved", WorkflowHarness.Logged(signalled.Run.Instance, "say"));
    }

    [Fact]
    public async Task Cancelling_drops_waits_and_disarms_timers()
    {
        var started = await harness.RunAsync(DelayThenSay("cancel", "01:00:00"));
        var bookmark = Assert.Single(started.Instance.Bookmarks);

        Assert.True(await harness.Runner.CancelAsync(started.Instance.Id, Ct));
        Assert.False(await harness.Runner.CancelAsync(started.Instance.Id, Ct));

        var stored = await harness.Instances.FindAsync(started.Instance.Id, Ct);
        Assert.Equal((WorkflowStatus.Finished, WorkflowSubStatus.Cancelled), (stored!.Status, stored.SubStatus));
        Assert.Contains(bookmark.Id, harness.Scheduler.Cancelled);
        Assert.Equal(ResumeOutcome.AlreadyConsumed, (await harness.Runner.ResumeAsync(bookmark.Id, null, Ct)).Outcome);
    }

    [Fact]
    public async Task Unknown_bookmark_reports_not_found()
    {
        Assert.Equal(ResumeOutcome.BookmarkNotFound, (await harness.Runner.ResumeAsync("no-such-bookmark", null, Ct)).Outcome);
    }
}
