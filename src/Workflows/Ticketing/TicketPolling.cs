using System.Globalization;
using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TicketGate.Workflows.Ticketing;

/// <summary>The Hangfire recurring job that polls open tickets (the baseline for ServiceNow, the fallback for Jira webhooks).</summary>
public sealed partial class TicketPollJob(TicketFollowUp followUp, ILogger<TicketPollJob> logger)
{
    public const string RecurringJobId = "ticketgate:tickets:poll";

    // Ticks are frequent; one that overlaps a slow poll is skipped, and a failed one is simply followed by the next tick.
    private readonly SemaphoreSlim _running = new(1, 1);

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!await _running.WaitAsync(0, cancellationToken).ConfigureAwait(false)) return;
        try
        {
            var read = await followUp.PollAsync(cancellationToken).ConfigureAwait(false);
            if (read > 0) LogPolled(logger, read);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>A cron expression firing every <paramref name="tick"/>: whole seconds below a minute (six fields), else whole minutes.</summary>
    public static string CronFor(TimeSpan tick)
    {
        if (tick < TimeSpan.FromMinutes(1))
        {
            var seconds = Math.Max(1, (int)Math.Round(tick.TotalSeconds));
            return $"*/{seconds.ToString(CultureInfo.InvariantCulture)} * * * * *";
        }
        var minutes = Math.Clamp((int)Math.Round(tick.TotalMinutes), 1, 59);
        return $"*/{minutes.ToString(CultureInfo.InvariantCulture)} * * * *";
    }

    [LoggerMessage(4030, LogLevel.Debug, "Polled {Count} open tickets")]
    private static partial void LogPolled(ILogger logger, int count);
}

/// <summary>
/// Registers the poll job with this gateway's Hangfire storage at start-up, or removes it when no ticket system is configured any
/// more (a job left behind would fail on every tick). Hangfire's client is synchronous: off the caller's thread.
/// </summary>
public sealed class TicketPollSchedule(JobStorage storage, TimeSpan? tick) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        var manager = new RecurringJobManager(storage);
        if (tick is not { } every)
        {
            try
            {
                manager.RemoveIfExists(TicketPollJob.RecurringJobId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Tidying only: a gateway without tickets must not fail to start over it; the next start tries again.
            }
            return;
        }
        manager.AddOrUpdate<TicketPollJob>(TicketPollJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), TicketPollJob.CronFor(every),
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
    }, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
