using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Tests.Policy;

/// <summary>Builds the evaluator's inputs directly: connections, statements as a classifier would report them.</summary>
internal static class PolicyScenario
{
    public static readonly IReadOnlyList<string> NoGroups = [];

    public static ConnectionDefinition Connection(string name, params (string Key, string Value)[] tags) => new()
    {
        Name = name,
        Host = "db.internal",
        Database = "shop",
        User = "ticketgate",
        Password = SecretReference.FromEnvironment("UNUSED"),
        Tags = tags.ToDictionary(t => t.Key, t => t.Value),
    };

    public static ClassifiedStatement Statement(StatementClass classes, params string[] tables) => new()
    {
        Text = $"-- {classes} on {string.Join(", ", tables)}",
        Classes = classes,
        Tables = tables,
        Functions = [],
        Kind = "TestStmt",
    };

    public static SqlClassification Message(params ClassifiedStatement[] statements)
    {
        var classes = StatementClass.None;
        foreach (var s in statements) classes |= s.Classes;
        return new SqlClassification { Statements = statements, Classes = classes };
    }
}
