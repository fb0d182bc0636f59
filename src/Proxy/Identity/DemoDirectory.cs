using System.Diagnostics.CodeAnalysis;

namespace TicketGate.Proxy.Identity;

/// <summary>The people and agents of the demo, as the <see cref="DevelopmentIssuer"/> knows them (what Okta's directory is in production).</summary>
public static class DemoDirectory
{
    public const string Agent = "agent-7";
    public const string AgentsGroup = "agents";
    public const string DbaGroup = "dba";
    public const string ChangeManagersGroup = "change-managers";
    public const string AdminsGroup = "ticketgate-admins";

    /// <summary>Name → groups. Names are what <c>--as</c> accepts; they become the token's subject.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Members { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Agent] = [AgentsGroup],
        ["alice"] = [DbaGroup],
        ["bob"] = [DbaGroup],
        ["carol"] = [ChangeManagersGroup],
        // Designs the approval workflows in the Studio (http.admin_groups defaults to ticketgate-admins).
        ["dana"] = [AdminsGroup],
    };

    public static bool TryGetGroups(string name, [NotNullWhen(true)] out IReadOnlyList<string>? groups) =>
        Members.TryGetValue(name, out groups);

    /// <summary>The member's groups; an unknown name is a usage error, so the message lists who exists.</summary>
    public static IReadOnlyList<string> GroupsOf(string name) =>
        Members.TryGetValue(name, out var groups)
            ? groups
            : throw new ArgumentException($"'{name}' is not in the demo directory; use one of: {string.Join(", ", Members.Keys)}", nameof(name));
}
