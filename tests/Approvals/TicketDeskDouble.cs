using System.Collections.Concurrent;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Tests.Approvals;

/// <summary>A ticket system for tests: opens numbered tickets, or is unreachable, or answers with an error nobody expected.</summary>
public sealed class TicketDeskDouble : ITicketDesk
{
    public enum Behaviour
    {
        Opens,
        Unreachable,
        Broken,
    }

    private int next;

    public Behaviour Acts { get; set; } = Behaviour.Opens;

    public ConcurrentQueue<TicketRequest> Requests { get; } = new();

    public Task<OpenedTicket> OpenAsync(TicketRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        switch (Acts)
        {
            case Behaviour.Unreachable:
                throw new TicketSystemUnavailableException($"{request.System} did not answer after 3 attempts");
            case Behaviour.Broken:
                throw new InvalidOperationException($"{request.System} answered 500 Internal Server Error");
        }
        var number = Interlocked.Increment(ref next);
        var key = request.System == TicketSystems.ServiceNow ? $"CHG{number:D7}" : $"OPS-{number}";
        return Task.FromResult(new OpenedTicket(key, $"https://tickets.example/{key}"));
    }
}
