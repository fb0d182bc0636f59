using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using TicketGate.Proxy.Classification.Parsing;

namespace TicketGate.Proxy.Classification;

/// <summary>
/// Classifies SQL text with PostgreSQL's own parser (libpg_query), statement by statement.
/// Safe to use from many threads at once.
/// </summary>
public sealed class SqlClassifier
{
    private const string UnparsedKind = "Unparsed";

    private readonly ParseTreeWalker walker;

    /// <param name="extraSafeFunctions">
    /// Functions besides the built-in read-only ones that may be called without making a statement opaque:
    /// "name" allows that function in any schema, "schema.name" only when the call names that schema. Case-insensitive.
    /// </param>
    public SqlClassifier(IEnumerable<string>? extraSafeFunctions = null)
    {
        var extra = extraSafeFunctions ?? [];
        walker = new ParseTreeWalker(extra.Select(static f => f.Trim()).Where(static f => f.Length > 0)
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase));
    }

    public SqlClassification Classify(string sql) => Classify(Encoding.UTF8.GetBytes(sql));

    /// <summary>Classifies the statements of one Query or Parse message, given as UTF-8 without a terminator.</summary>
    public SqlClassification Classify(ReadOnlySpan<byte> utf8Sql)
    {
        // The parser reads a C string, so a NUL would hide whatever follows it from classification.
        if (utf8Sql.IndexOf((byte)0) >= 0)
            return Unparsed(utf8Sql, "the text contains a NUL byte, which PostgreSQL does not accept in a query; remove it and retry");

        using var output = PgQuery.Parse(utf8Sql);
        if (output.Failed) return Unparsed(utf8Sql, output.DescribeError()!);
        try
        {
            return Classified(utf8Sql, output);
        }
        catch (Exception e) when (e is InsufficientExecutionStackException or JsonException)
        {
            return Unparsed(utf8Sql, "the statement nests too deeply for TicketGate to classify; simplify it or split it up");
        }
    }

    private SqlClassification Classified(ReadOnlySpan<byte> utf8Sql, PgQueryOutput output)
    {
        using var tree = JsonDocument.Parse(output.Memory, ParseTreeWalker.TreeOptions);
        if (!tree.RootElement.TryGetProperty("stmts", out var stmts) || stmts.GetArrayLength() == 0)
            return new SqlClassification { Statements = [], Classes = StatementClass.None };

        var statements = new ClassifiedStatement[stmts.GetArrayLength()];
        var all = StatementClass.None;
        var i = 0;
        foreach (var stmt in stmts.EnumerateArray())
        {
            var location = stmt.TryGetProperty("stmt_location", out var loc) ? loc.GetInt32() : 0;
            var length = stmt.TryGetProperty("stmt_len", out var len) ? len.GetInt32() : 0;
            var text = TextAt(utf8Sql, new StatementSpan(location, length));

            ClassifiedStatement statement = new StatementFacts(StatementClass.Opaque).ToStatement(text, UnparsedKind);
            foreach (var node in stmt.GetProperty("stmt").EnumerateObject())
            {
                var facts = new StatementFacts(StatementKinds.Of(node.Name));
                walker.WalkStatement(node.Name, node.Value, facts);
                statement = facts.ToStatement(text, node.Name);
            }
            statements[i++] = statement;
            all |= statement.Classes;
        }
        return new SqlClassification { Statements = statements, Classes = all };
    }

    private static SqlClassification Unparsed(ReadOnlySpan<byte> utf8Sql, string error)
    {
        var spans = utf8Sql.IndexOf((byte)0) >= 0 ? null : PgQuery.SplitWithScanner(utf8Sql);
        var statements = new List<ClassifiedStatement>();
        if (spans is not null)
        {
            // The scanner split skips statements it can't make sense of (such as one starting "SELEC"),
            // so the gaps between its statements are shown too: no text may vanish from review.
            var covered = 0;
            foreach (var span in spans)
            {
                var end = span.Length <= 0 ? utf8Sql.Length : span.Location + span.Length;
                AddUnparsed(statements, utf8Sql, covered, span.Location, error);
                AddUnparsed(statements, utf8Sql, span.Location, end, error);
                covered = Math.Max(covered, end);
            }
            AddUnparsed(statements, utf8Sql, covered, utf8Sql.Length, error);
        }
        if (statements.Count == 0) statements.Add(UnparsedStatement(Encoding.UTF8.GetString(utf8Sql).Trim(), error));
        return new SqlClassification { Statements = statements, ParseError = error, Classes = StatementClass.Opaque };
    }

    private static void AddUnparsed(List<ClassifiedStatement> statements, ReadOnlySpan<byte> utf8Sql, int start, int end, string error)
    {
        start = Math.Clamp(start, 0, utf8Sql.Length);
        end = Math.Clamp(end, start, utf8Sql.Length);
        var text = Encoding.UTF8.GetString(utf8Sql[start..end]).Trim().Trim(';').Trim();
        if (text.Length > 0) statements.Add(UnparsedStatement(text, error));
    }

    private static ClassifiedStatement UnparsedStatement(string text, string error) => new()
    {
        Text = text,
        Classes = StatementClass.Opaque,
        Tables = [],
        Functions = [],
        Kind = UnparsedKind,
        Note = "did not parse: " + error,
    };

    // stmt_location and stmt_len count bytes of the UTF-8 input; a length of 0 means "to the end".
    private static string TextAt(ReadOnlySpan<byte> utf8Sql, StatementSpan span)
    {
        var start = Math.Clamp(span.Location, 0, utf8Sql.Length);
        var end = span.Length <= 0 ? utf8Sql.Length : Math.Clamp(start + span.Length, start, utf8Sql.Length);
        return Encoding.UTF8.GetString(utf8Sql[start..end]).Trim();
    }
}
