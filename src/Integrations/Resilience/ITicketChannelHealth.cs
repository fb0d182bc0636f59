namespace TicketGate.Integrations.Resilience;

/// <summary>
/// Whether a ticket system can be reached now. False while its circuit is open: the FallbackPolicy activity reads that as
/// "approval channel unavailable" instead of waiting on a ticket nobody can open or read.
/// </summary>
public interface ITicketChannelHealth
{
    string System { get; }
    bool IsAvailable { get; }
}
