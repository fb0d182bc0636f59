using System.Reflection;

namespace TicketGate.Workflows.Storage;

/// <summary>
/// Migrations kept as embedded <c>.sql</c> resources whose logical names start with <paramref name="resourcePrefix"/>
/// (e.g. <c>ticketgate/migrations/approvals/0001_approval_requests.sql</c>). Each applies in ordinal order of its
/// file name and is recorded as <c>{component}/{file name without .sql}</c>, so components never collide.
/// </summary>
public class EmbeddedSqlMigrations(Assembly assembly, string resourcePrefix, string component) : IStateMigrations
{
    private readonly Lazy<IReadOnlyList<StateMigration>> migrations = new(() => Load(assembly, resourcePrefix, component));

    public IReadOnlyList<StateMigration> Migrations => migrations.Value;

    private static IReadOnlyList<StateMigration> Load(Assembly assembly, string resourcePrefix, string component)
    {
        var names = new List<string>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (name.StartsWith(resourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }
        if (names.Count == 0)
        {
            throw new InvalidOperationException(
                $"{assembly.GetName().Name} embeds no migrations under '{resourcePrefix}'; the build lost its .sql resources.");
        }
        names.Sort(StringComparer.Ordinal);

        var result = new List<StateMigration>(names.Count);
        foreach (var name in names)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var file = name[resourcePrefix.Length..^".sql".Length].TrimStart('/');
            result.Add(new StateMigration($"{component}/{file}", reader.ReadToEnd()));
        }
        return result;
    }
}
