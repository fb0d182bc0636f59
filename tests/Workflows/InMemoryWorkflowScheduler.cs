using TicketGate.Workflows.Runtime;

namespace TicketGate.Tests.Workflows;

/// <summary>
/// Test double for the Hangfire scheduler: keeps timers in memory and fires the due ones when asked, through the
/// runner it is attached to, as a scheduled job would.
/// </summary>
public sealed class InMemoryWorkflowScheduler : IWorkflowScheduler
{
    private readonly Dictionary<string, (Bookmark Bookmark, DateTimeOffset DueAt)> timers = new(StringComparer.Ordinal);

    public WorkflowRunner? Runner { get; set; }

    public int ScheduledCount { get { lock (timers) return timers.Count; } }

    public IReadOnlyList<string> Cancelled => cancelled;
    private readonly List<string> cancelled = [];

    public ValueTask ScheduleAsync(Bookmark bookmark, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        lock (timers) timers[bookmark.Id] = (bookmark, dueAt);
        return ValueTask.CompletedTask;
    }

    public ValueTask CancelAsync(Bookmark bookmark, CancellationToken cancellationToken)
    {
        lock (timers)
        {
            if (timers.Remove(bookmark.Id)) cancelled.Add(bookmark.Id);
        }
        return ValueTask.CompletedTask;
    }

    public DateTimeOffset? DueAt(string bookmarkId)
    {
        lock (timers) return timers.TryGetValue(bookmarkId, out var timer) ? timer.DueAt : null;
    }

    /// <summary>Resumes every timer due at <paramref name="now"/>, earliest first; returns the results.</summary>
    public async Task<IReadOnlyList<WorkflowResumeResult>> FireDueAsync(DateTimeOffset now)
    {
        List<Bookmark> due;
        lock (timers)
        {
            due = [.. timers.Values.Where(t => t.DueAt <= now).OrderBy(t => t.DueAt).Select(t => t.Bookmark)];
            foreach (var bookmark in due) timers.Remove(bookmark.Id);
        }
        var runner = Runner ?? throw new InvalidOperationException("Attach a runner first.");
        var results = new List<WorkflowResumeResult>();
        foreach (var bookmark in due) results.Add(await runner.ResumeAsync(bookmark.Id, null, TestContext.Current.CancellationToken));
        return results;
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
