using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Scheduling;

namespace TicketGate.Proxy.Configuration;

/// <summary>The workflows that decide held commands: where their definitions are imported from, and which runs where.</summary>
public sealed class WorkflowOptions
{
    /// <summary>The folder whose *.json definitions are imported at start-up; null: the workflows folder beside the executable.</summary>
    public string? Directory { get; init; }

    public ApprovalWorkflowBindings Approvals { get; init; } = new();

    /// <summary>How the in-process Hangfire server polls for due timers (escalations, deadlines, delays).</summary>
    public SchedulingOptions Scheduling { get; init; } = new();

    public string ResolveDirectory() => Directory ?? Path.Combine(AppContext.BaseDirectory, "workflows");
}
