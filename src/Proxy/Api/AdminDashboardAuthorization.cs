using Hangfire.Dashboard;
using TicketGate.Proxy.Identity;

namespace TicketGate.Proxy.Api;

/// <summary>Lets only members of the admin groups into the Hangfire dashboard, by the same bearer tokens the API takes.</summary>
internal sealed class AdminDashboardAuthorization(ITokenValidator tokens, IReadOnlyList<string> adminGroups) : IDashboardAsyncAuthorizationFilter
{
    public async Task<bool> AuthorizeAsync(DashboardContext context)
    {
        var http = context.GetHttpContext();
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var outcome = await tokens.ValidateAsync(header[7..].Trim(), http.RequestAborted).ConfigureAwait(false);
        return outcome.IsValid && outcome.Identity.IsInAnyGroup([.. adminGroups]);
    }
}
