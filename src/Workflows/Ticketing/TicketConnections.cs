using TicketGate.Integrations.Tickets;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Workflows.Ticketing;

/// <summary>
/// One configured ticket system (<see cref="TicketSystems.Jira"/> or <see cref="TicketSystems.ServiceNow"/>): the client for its
/// default project or group, clients for other projects and issue types a workflow names, and how often its open tickets are polled.
/// </summary>
public sealed class TicketConnection
{
    public required string System { get; init; }
    public required ITicketSystem Client { get; init; }
    /// <summary>
    /// The client for a workflow's queue and kind (Jira: project and issue type). Null: the system has one client and the queue goes
    /// into the ticket itself (ServiceNow: the assignment group).
    /// </summary>
    public Func<string?, string?, ITicketSystem>? ClientFor { get; init; }
    /// <summary>How often each open ticket is re-read when no webhook tells first.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Polls that fail back off exponentially, with jitter, up to this.</summary>
    public TimeSpan MaxPollBackoff { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>The ticket systems this gateway may open tickets in, and the settings every ticket shares.</summary>
public sealed class TicketConnections : IDisposable
{
    public TicketConnections(IEnumerable<TicketConnection> connections)
    {
        foreach (var connection in connections) ByName[connection.System] = connection;
    }

    public Dictionary<string, TicketConnection> ByName { get; } = new(StringComparer.Ordinal);

    /// <summary>The "decide before" a ticket shows when the request has no deadline of its own yet (the workflow sets one later).</summary>
    public TimeSpan DecisionWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The connection tag whose value is the ticket's environment (e.g. production).</summary>
    public string EnvironmentTag { get; init; } = "env";

    /// <summary>How long a webhook that claims a decision REST does not show yet is re-checked before polling takes over.</summary>
    public ReconcileOptions Reconcile { get; init; } = new();

    /// <summary>After this many failed reads of a ticket in a row, it is reported Unavailable and the workflow's fallback decides.</summary>
    public int UnavailableAfterFailures { get; init; } = 8;

    /// <summary>Tickets polled per query.</summary>
    public int PollBatchSize { get; init; } = 50;

    /// <summary>TicketGate's page for a request (linked from the ticket).</summary>
    public required Func<Guid, Uri> RequestPage { get; init; }

    /// <summary>TicketGate's record of a session (linked from the closed ticket), or null when the request has no session.</summary>
    public Func<string, Uri>? SessionRecord { get; init; }

    public TicketConnection? Find(string system) => ByName.GetValueOrDefault(system);

    public void Dispose()
    {
        foreach (var connection in ByName.Values) (connection.Client as IDisposable)?.Dispose();
    }
}
