using Hangfire;
using Hangfire.States;
using Npgsql;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Scheduling;

/// <summary>
/// Workflow timers (delays, escalations, deadlines) as Hangfire scheduled jobs in TicketGate's database: they survive restarts,
/// and a timer that fell due while no process ran fires when one starts. Each job is tied to its bookmark, so a wait that
/// completes deletes the job; a job that fires for a bookmark already consumed is a harmless no-op.
/// </summary>
public sealed class HangfireWorkflowScheduler(IBackgroundJobClient jobs, NpgsqlDataSource dataSource) : IWorkflowScheduler
{
    public async ValueTask ScheduleAsync(Bookmark bookmark, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        // No connection of ours is held while Hangfire creates the job on connections of its own: with many commands held at
        // once, callers holding one connection each while waiting for another emptied the pool and stalled every decision.
        await using (var existing = dataSource.CreateCommand("SELECT job_id FROM ticketgate.workflow_timer_jobs WHERE bookmark_id = @id"))
        {
            existing.Parameters.AddWithValue("id", bookmark.Id);
            if (await existing.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string) return;
        }
        // Hangfire's client is synchronous: each call blocks a thread on the database. Unbounded, a burst of held commands
        // (200 at once) blocked every pool thread, so no await could resume and every decision stalled; a few at a time can't.
        string jobId;
        await _clientCalls.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // On the thread pool, never inline: with inline socket completions this caller may be a socket thread, and a blocking
            // database call there waits for a completion only that thread can deliver (a held command deadlocked so).
            jobId = await Task.Run(
                () => jobs.Create<WorkflowTimerJob>(job => job.FireAsync(bookmark.Id, CancellationToken.None), new ScheduledState(dueAt.UtcDateTime)),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _clientCalls.Release();
        }
        await using var insert = dataSource.CreateCommand(
            "INSERT INTO ticketgate.workflow_timer_jobs (bookmark_id, job_id, due_at) VALUES (@id, @job, @due) ON CONFLICT (bookmark_id) DO NOTHING");
        insert.Parameters.AddWithValue("id", bookmark.Id);
        insert.Parameters.AddWithValue("job", jobId);
        insert.Parameters.AddWithValue("due", dueAt.ToUniversalTime());
        if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            // Another process scheduled the same bookmark meanwhile: keep one job.
            ForgetJob(jobId);
        }
    }

    public async ValueTask CancelAsync(Bookmark bookmark, CancellationToken cancellationToken)
    {
        await using var delete = dataSource.CreateCommand("DELETE FROM ticketgate.workflow_timer_jobs WHERE bookmark_id = @id RETURNING job_id");
        delete.Parameters.AddWithValue("id", bookmark.Id);
        if (await delete.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string jobId) ForgetJob(jobId);
    }

    /// <summary>
    /// Deletes a Hangfire job off the caller's path: Hangfire's Delete is synchronous (it blocks a thread on the job's state
    /// lock and the database), and a decision must not wait on it nor take a pool thread for it. The job is
    /// already harmless (its bookmark is consumed and its tie row gone, so it would fire as a no-op): deleting it is tidying.
    /// One loop deletes them in order, so a stuck delete holds one thread, not one per decision.
    /// </summary>
    private void ForgetJob(string jobId)
    {
        _forgotten.Writer.TryWrite(jobId);
        if (Interlocked.Exchange(ref _deleting, 1) == 0)
        {
            _ = Task.Factory.StartNew(DeleteForgottenJobs, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    private void DeleteForgottenJobs()
    {
        var reader = _forgotten.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var jobId))
            {
                try
                {
                    jobs.Delete(jobId);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The job stays scheduled and fires as a no-op; nothing depends on its deletion.
                    System.Diagnostics.Trace.TraceWarning($"Could not delete Hangfire job {jobId}: {e.Message}");
                }
            }
        }
    }

    private readonly System.Threading.Channels.Channel<string> _forgotten = System.Threading.Channels.Channel.CreateUnbounded<string>(
        new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });
    private int _deleting;
    private readonly SemaphoreSlim _clientCalls = new(Math.Max(2, Environment.ProcessorCount));
}

/// <summary>The Hangfire job that fires a timer bookmark.</summary>
public sealed class WorkflowTimerJob(WorkflowRunner runner, NpgsqlDataSource dataSource)
{
    [AutomaticRetry(Attempts = 5)]
    public async Task FireAsync(string bookmarkId, CancellationToken cancellationToken)
    {
        await runner.ResumeAsync(bookmarkId, null, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var forget = new NpgsqlCommand("DELETE FROM ticketgate.workflow_timer_jobs WHERE bookmark_id = @id", connection);
        forget.Parameters.AddWithValue("id", bookmarkId);
        await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
