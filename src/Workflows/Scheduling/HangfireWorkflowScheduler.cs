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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var existing = new NpgsqlCommand("SELECT job_id FROM ticketgate.workflow_timer_jobs WHERE bookmark_id = @id", connection))
        {
            existing.Parameters.AddWithValue("id", bookmark.Id);
            if (await existing.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string) return;
        }
        // Hangfire's storage calls block; on a thread that also serves sockets (inline completions) they must not run inline.
        var jobId = await Task.Run(
            () => jobs.Create<WorkflowTimerJob>(job => job.FireAsync(bookmark.Id, CancellationToken.None), new ScheduledState(dueAt.UtcDateTime)),
            cancellationToken).ConfigureAwait(false);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO ticketgate.workflow_timer_jobs (bookmark_id, job_id, due_at) VALUES (@id, @job, @due) ON CONFLICT (bookmark_id) DO NOTHING",
            connection);
        insert.Parameters.AddWithValue("id", bookmark.Id);
        insert.Parameters.AddWithValue("job", jobId);
        insert.Parameters.AddWithValue("due", dueAt.ToUniversalTime());
        if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            // Another process scheduled the same bookmark meanwhile: keep one job.
            await Task.Run(() => jobs.Delete(jobId), CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask CancelAsync(Bookmark bookmark, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand("DELETE FROM ticketgate.workflow_timer_jobs WHERE bookmark_id = @id RETURNING job_id", connection);
        delete.Parameters.AddWithValue("id", bookmark.Id);
        if (await delete.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string jobId)
        {
            await Task.Run(() => jobs.Delete(jobId), CancellationToken.None).ConfigureAwait(false);
        }
    }
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
