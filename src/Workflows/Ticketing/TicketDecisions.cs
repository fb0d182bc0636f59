using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Ticketing;

public enum TicketDecisionStatus
{
    Approved,
    Rejected,
    /// <summary>The ticket system could not be asked about the ticket any more (unreachable after retries, ticket gone).</summary>
    Unavailable,
}

/// <summary>What a ticket system said about a ticket: approved or rejected (by whom, why), or that it can't be asked.</summary>
public sealed record TicketDecision(string TicketKey, TicketDecisionStatus Status, string? DecidedBy = null, string? Reason = null);

/// <summary>
/// Where ticket status changes enter the workflow runtime (a webhook or a poller of the ticket system reports them here):
/// each resumes the <c>WaitForTicketDecision</c> steps waiting on that ticket key.
/// </summary>
public sealed class TicketDecisions(WorkflowRunner runner)
{
    public const string StimulusName = "TicketGate.TicketDecision";

    public static Dictionary<string, object?> Payload(string ticketKey) => new(StringComparer.Ordinal) { ["ticketKey"] = ticketKey };

    /// <summary>
    /// Resumes every workflow waiting on the ticket; returns how many resumed (0: nobody waits, or it was reported before).
    /// A ticket is opened inside a workflow run that saves its wait only when the run ends, so a report that comes very
    /// quickly after the ticket appeared is tried again for a moment instead of being dropped.
    /// </summary>
    public async Task<int> ReportAsync(TicketDecision decision, CancellationToken cancellationToken)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["status"] = decision.Status.ToString(), ["decidedBy"] = decision.DecidedBy, ["reason"] = decision.Reason,
        };
        for (var attempt = 1; ; attempt++)
        {
            var results = await runner.ResumeStimulusAsync(StimulusName, Payload(decision.TicketKey), input, cancellationToken);
            var resumed = 0;
            foreach (var result in results)
            {
                if (result.Outcome == ResumeOutcome.Resumed) resumed++;
            }
            if (resumed > 0 || results.Count > 0 || attempt == RetriesWhenNobodyWaits) return resumed;
            await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), cancellationToken);
        }
    }

    private const int RetriesWhenNobodyWaits = 8;
}
