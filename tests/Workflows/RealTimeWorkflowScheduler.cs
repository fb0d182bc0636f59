using System.Collections.Concurrent;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Tests.Workflows;

/// <summary>
/// Fires timer bookmarks on the wall clock inside the test process, as the gateway's scheduled jobs would: for gateway tests
/// with durations in seconds. Failures of a fired resume are kept for the test to show.
/// </summary>
public sealed class RealTimeWorkflowScheduler(Func<WorkflowRunner> runner) : IWorkflowScheduler, IDisposable
{
    private readonly ConcurrentDictionary<string, Timer> timers = new(StringComparer.Ordinal);

    public ConcurrentQueue<Exception> Failures { get; } = new();

    public ValueTask ScheduleAsync(Bookmark bookmark, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var delay = dueAt - DateTimeOffset.UtcNow;
        if (delay < TimeSpan.Zero) delay = TimeSpan.Zero;
        var id = bookmark.Id;
        var timer = new Timer(_ => Fire(id), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (timers.TryGetValue(id, out var earlier)) earlier.Dispose();
        timers[id] = timer;
        timer.Change(delay, Timeout.InfiniteTimeSpan);
        return ValueTask.CompletedTask;
    }

    public ValueTask CancelAsync(Bookmark bookmark, CancellationToken cancellationToken)
    {
        if (timers.TryRemove(bookmark.Id, out var timer)) timer.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Fire(string bookmarkId)
    {
        if (!timers.TryRemove(bookmarkId, out var timer)) return;
        timer.Dispose();
        _ = Task.Run(async () =>
        {
            try
            {
                await runner().ResumeAsync(bookmarkId, null, CancellationToken.None);
            }
            catch (Exception e)
            {
                Failures.Enqueue(e);
            }
        });
    }

    public void Dispose()
    {
        foreach (var timer in timers.Values) timer.Dispose();
        timers.Clear();
    }
}
