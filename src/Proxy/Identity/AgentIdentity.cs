namespace TicketGate.Proxy.Identity;

/// <summary>Who is on the other end, as a validated token says.</summary>
public sealed record AgentIdentity(string Subject, IReadOnlyList<string> Groups, DateTimeOffset ExpiresAt, string Issuer)
{
    public bool IsInAnyGroup(IReadOnlyCollection<string> groups)
    {
        foreach (var g in Groups)
        {
            foreach (var wanted in groups)
            {
                if (string.Equals(g, wanted, StringComparison.Ordinal)) return true;
            }
        }
        return false;
    }
}
