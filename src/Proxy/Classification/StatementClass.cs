namespace TicketGate.Proxy.Classification;

/// <summary>What a SQL statement does. A statement can carry several (a CTE that deletes is Read | Write).</summary>
[Flags]
public enum StatementClass
{
    None = 0,
    Read = 1,
    Write = 2,
    Ddl = 4,
    Privilege = 8,
    Admin = 16,
    Opaque = 32,
}

public static class StatementClassNames
{
    private static readonly StatementClass[] ByRisk =
        [StatementClass.Privilege, StatementClass.Admin, StatementClass.Opaque, StatementClass.Ddl, StatementClass.Write, StatementClass.Read];

    /// <summary>The one class that names a statement in audit rows and tickets: the riskiest it carries.</summary>
    public static StatementClass Primary(this StatementClass classes)
    {
        foreach (var c in ByRisk)
        {
            if ((classes & c) != 0) return c;
        }
        return StatementClass.None;
    }

    public static string ToName(this StatementClass single) => single switch
    {
        StatementClass.Read => "read",
        StatementClass.Write => "write",
        StatementClass.Ddl => "ddl",
        StatementClass.Privilege => "privilege",
        StatementClass.Admin => "admin",
        StatementClass.Opaque => "opaque",
        StatementClass.None => "none",
        _ => single.Primary().ToName(),
    };

    public static bool TryParse(string? name, out StatementClass value)
    {
        value = name?.Trim().ToLowerInvariant() switch
        {
            "read" => StatementClass.Read,
            "write" => StatementClass.Write,
            "ddl" => StatementClass.Ddl,
            "privilege" => StatementClass.Privilege,
            "admin" => StatementClass.Admin,
            "opaque" => StatementClass.Opaque,
            _ => StatementClass.None,
        };
        return value != StatementClass.None;
    }

    /// <summary>Each single class set in <paramref name="classes"/>, riskiest first.</summary>
    public static IEnumerable<StatementClass> Each(this StatementClass classes)
    {
        foreach (var c in ByRisk)
        {
            if ((classes & c) != 0) yield return c;
        }
    }
}
