using Microsoft.Extensions.Logging;
using TicketGate.Integrations.Tickets;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Workflows.Ticketing;

/// <summary>
/// Opens tickets in the configured Jira or ServiceNow with everything an approver needs, read from the held request itself:
/// requester and groups, connection and environment, the exact statement (truncated safely, saying so), class, tier, rule,
/// request id, deadline and the link to TicketGate's request page; the idempotency key <c>tg-&lt;request id&gt;</c> makes creation
/// happen once. A system that stays unreachable (retries spent, circuit open) or refuses the ticket is reported as
/// <see cref="TicketSystemUnavailableException"/>, so the workflow takes its fallback path.
/// </summary>
public sealed partial class TicketSystemDesk(TicketConnections connections, ApprovalRequestStore requests, TicketLinkStore links,
    TimeProvider time, ILogger<TicketSystemDesk> logger) : ITicketDesk
{
    public async Task<OpenedTicket> OpenAsync(TicketRequest request, CancellationToken cancellationToken)
    {
        var connection = connections.Find(request.System) ?? throw new TicketSystemUnavailableException(
            $"no {request.System} connection is configured under tickets: in TicketGate's config, so no ticket can be opened.");
        var stored = await requests.GetAsync(request.RequestId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"approval request {request.RequestId} does not exist, so there is nothing to open a ticket for.");
        var client = Client(connection, request);
        if (!client.Health.IsAvailable)
        {
            throw new TicketSystemUnavailableException($"{client.Health.System} failed repeatedly just before; its circuit is open, so no ticket was tried.");
        }

        var draft = Draft(stored.Request, request, connection);
        TicketRef ticket;
        try
        {
            ticket = await client.CreateAsync(draft, cancellationToken).ConfigureAwait(false);
        }
        catch (TicketSystemException e)
        {
            LogOpenFailed(logger, request.System, request.RequestId, e.Message);
            throw new TicketSystemUnavailableException(e.Message, e);
        }
        var now = time.GetUtcNow();
        await links.InsertAsync(request.RequestId, connection.System, ticket, draft.Deadline, now + connection.PollInterval, cancellationToken)
            .ConfigureAwait(false);
        LogOpened(logger, ticket.Key, request.RequestId);
        return new OpenedTicket(ticket.Key, ticket.Url.ToString());
    }

    private static ITicketSystem Client(TicketConnection connection, TicketRequest request)
    {
        if (connection.ClientFor is null)
        {
            if (request.Kind is { } kind && !string.Equals(kind, "normal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{request.System} tickets are opened as normal changes; change type '{kind}' is not supported.");
            }
            return connection.Client;
        }
        return request.Queue is null && request.Kind is null ? connection.Client : connection.ClientFor(request.Queue, request.Kind);
    }

    private TicketDraft Draft(ApprovalRequest held, TicketRequest request, TicketConnection connection)
    {
        var deadline = held.Deadline ?? time.GetUtcNow() + connections.DecisionWindow;
        return new TicketDraft
        {
            RequestId = held.Id,
            Summary = request.Summary,
            Notes = request.Notes,
            Requester = held.Requester,
            RequesterGroups = held.RequesterGroups,
            Connection = held.Connection,
            Environment = held.ConnectionTags.GetValueOrDefault(connections.EnvironmentTag),
            Statement = held.Command,
            StatementClass = held.CommandClass,
            Tier = held.Tier.ToName(),
            MatchedRule = held.Rule,
            Deadline = deadline,
            RequestPage = connections.RequestPage(held.Id),
            // ServiceNow: the workflow's queue is the assignment group; Jira projects are chosen through the client.
            ApproverGroup = connection.ClientFor is null ? request.Queue : null,
        };
    }

    [LoggerMessage(4000, LogLevel.Information, "Opened ticket {TicketKey} for request {RequestId}")]
    private static partial void LogOpened(ILogger logger, string ticketKey, Guid requestId);

    [LoggerMessage(4001, LogLevel.Warning, "Could not open a {System} ticket for request {RequestId}: {Reason}")]
    private static partial void LogOpenFailed(ILogger logger, string system, Guid requestId, string reason);
}
