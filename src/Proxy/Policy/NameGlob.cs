namespace TicketGate.Proxy.Policy;

/// <summary>
/// A compiled name pattern: '*' matches any run of characters, '?' exactly one; letters match regardless of case.
/// Matching walks the pattern once with backtracking to the last star, so it never allocates.
/// </summary>
internal sealed class NameGlob
{
    private readonly string pattern;
    private readonly Shape shape;
    private readonly string literal;

    private enum Shape { Anything, Exact, Prefix, Suffix, General }

    public NameGlob(string pattern)
    {
        this.pattern = pattern;
        var stars = pattern.AsSpan().Count('*');
        var hasQuestion = pattern.Contains('?');
        (shape, literal) = pattern switch
        {
            "*" => (Shape.Anything, ""),
            _ when stars == 0 && !hasQuestion => (Shape.Exact, pattern),
            _ when stars == 1 && !hasQuestion && pattern.EndsWith('*') => (Shape.Prefix, pattern[..^1]),
            _ when stars == 1 && !hasQuestion && pattern.StartsWith('*') => (Shape.Suffix, pattern[1..]),
            _ => (Shape.General, pattern),
        };
    }

    public bool IsMatch(ReadOnlySpan<char> name) => shape switch
    {
        Shape.Anything => true,
        Shape.Exact => name.Equals(literal, StringComparison.OrdinalIgnoreCase),
        Shape.Prefix => name.StartsWith(literal, StringComparison.OrdinalIgnoreCase),
        Shape.Suffix => name.EndsWith(literal, StringComparison.OrdinalIgnoreCase),
        _ => MatchGeneral(pattern, name),
    };

    public override string ToString() => pattern;

    private static bool MatchGeneral(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        int p = 0, n = 0, starAt = -1, resumeAt = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starAt = p++;
                resumeAt = n;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || SameLetter(pattern[p], name[n])))
            {
                p++;
                n++;
            }
            else if (starAt >= 0)
            {
                // Let the last star swallow one more character and retry from there.
                p = starAt + 1;
                n = ++resumeAt;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static bool SameLetter(char a, char b) => a == b || char.ToLowerInvariant(a) == char.ToLowerInvariant(b);
}

/// <summary>
/// A table pattern from a policy rule: "schema.table" or a bare "table", each part a <see cref="NameGlob"/>.
/// A bare pattern matches the table in any schema. A bare table name in SQL is taken to be in schema public
/// (PostgreSQL's default search_path), so it matches "orders", "public.orders" and "*.orders", but not "sales.orders".
/// </summary>
internal sealed class TablePattern
{
    private const string AssumedSchema = "public";
    private readonly NameGlob? schema;
    private readonly NameGlob table;
    private readonly string pattern;

    public TablePattern(string pattern)
    {
        this.pattern = pattern;
        var dot = pattern.LastIndexOf('.');
        schema = dot >= 0 ? new NameGlob(pattern[..dot]) : null;
        table = new NameGlob(dot >= 0 ? pattern[(dot + 1)..] : pattern);
    }

    /// <summary>Null when the text is a usable pattern, else what is wrong with it.</summary>
    public static string? Problem(string pattern)
    {
        var parts = pattern.Split('.');
        if (parts.Length > 2) return $"'{pattern}' has more than one dot; write schema.table or table";
        foreach (var part in parts)
        {
            if (part.Length == 0) return $"'{pattern}' has an empty schema or table part";
            if (!NamePattern.IsValid(part)) return $"'{pattern}' may hold only letters, digits, _, $, - and the wildcards * and ?";
        }
        return null;
    }

    /// <summary>Matches a relation as the classifier names it: "orders", "public.orders" or "db.public.orders".</summary>
    public bool IsMatch(string relation)
    {
        var name = relation.AsSpan();
        var dot = name.LastIndexOf('.');
        var tablePart = Unquote(dot >= 0 ? name[(dot + 1)..] : name);
        if (!table.IsMatch(tablePart)) return false;
        if (schema is null) return true;

        var schemaPart = dot >= 0 ? name[..dot] : AssumedSchema.AsSpan();
        var catalogDot = schemaPart.LastIndexOf('.');
        if (catalogDot >= 0) schemaPart = schemaPart[(catalogDot + 1)..];
        return schema.IsMatch(Unquote(schemaPart));
    }

    public override string ToString() => pattern;

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> part) =>
        part.Length >= 2 && part[0] == '"' && part[^1] == '"' ? part[1..^1] : part;
}

/// <summary>Which characters a connection, table or function pattern may hold, so a stray quote or space is caught at load.</summary>
internal static class NamePattern
{
    public static bool IsValid(string pattern)
    {
        if (pattern.Length == 0) return false;
        foreach (var c in pattern)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '-' or '.' or '*' or '?')) return false;
        }
        return true;
    }
}
