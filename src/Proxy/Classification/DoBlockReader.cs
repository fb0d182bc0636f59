using System.Text;
using System.Text.Json;
using TicketGate.Proxy.Classification.Parsing;

namespace TicketGate.Proxy.Classification;

/// <summary>
/// Looks inside DO blocks written in PL/pgSQL. The block stays opaque (its control flow and dynamic SQL can't be known),
/// but the SQL written in its body adds its own classes, so a DO block that GRANTs is also a privilege statement.
/// </summary>
internal sealed class DoBlockReader(ParseTreeWalker walker)
{
    private const string WrapperHead = "CREATE FUNCTION ticketgate_do_block() RETURNS void LANGUAGE plpgsql AS ";

    public void Read(JsonElement doStmt, StatementFacts facts, StatementClass mask)
    {
        string? body = null;
        string? language = null;
        if (doStmt.TryGetProperty("args", out var args))
        {
            foreach (var arg in args.EnumerateArray())
            {
                if (!arg.TryGetProperty("DefElem", out var def) || !def.TryGetProperty("arg", out var value)) continue;
                var text = value.TryGetProperty("String", out var s) ? ParseTreeWalker.OptionalString(s, "sval") : null;
                switch (ParseTreeWalker.OptionalString(def, "defname"))
                {
                    case "as": body = text; break;
                    case "language": language = text; break;
                }
            }
        }
        if (body is null) return;
        if (language is not null && !language.Equals("plpgsql", StringComparison.OrdinalIgnoreCase))
        {
            facts.Explain($"the DO block is written in {language}, which TicketGate cannot read");
            return;
        }

        // The PL/pgSQL parser reads function definitions only, so the body is wrapped in one.
        using var output = PgQuery.ParsePlpgsql(Encoding.UTF8.GetBytes(WrapperHead + DollarQuote(body)));
        if (output.Failed)
        {
            facts.Explain($"the DO body could not be read: {output.ErrorMessage}");
            return;
        }
        using var tree = JsonDocument.Parse(output.Memory, ParseTreeWalker.TreeOptions);
        WalkPlpgsql(tree.RootElement, facts, mask, dynamic: false);
    }

    private void WalkPlpgsql(JsonElement element, StatementFacts facts, StatementClass mask, bool dynamic)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray()) WalkPlpgsql(item, facts, mask, dynamic);
            return;
        }
        if (element.ValueKind != JsonValueKind.Object) return;

        foreach (var property in element.EnumerateObject())
        {
            if (property.Name == "PLpgSQL_expr")
            {
                if (ParseTreeWalker.OptionalString(property.Value, "query") is { } query) ReadExpression(query, facts, mask, dynamic);
                continue;
            }
            // EXECUTE 'literal SQL' can be read when the string is a constant.
            var isDynamic = property.Name is "PLpgSQL_stmt_dynexecute" or "PLpgSQL_stmt_dynfors"
                || (dynamic && property.Name is "query" or "dynquery");
            WalkPlpgsql(property.Value, facts, mask, isDynamic);
        }
    }

    private void ReadExpression(string query, StatementFacts facts, StatementClass mask, bool dynamic)
    {
        if (dynamic && ConstantString(query) is { } sql)
        {
            if (!walker.WalkEmbeddedSql(sql, facts, mask)) facts.Explain("a string the DO block executes does not parse");
        }
        // Statements parse as they are; conditions and right-hand sides of assignments parse as SELECT lists.
        if (walker.WalkEmbeddedSql(query, facts, mask) || walker.WalkEmbeddedSql("SELECT " + query, facts, mask)) return;
        var assign = query.IndexOf(":=", StringComparison.Ordinal);
        if (assign >= 0 && walker.WalkEmbeddedSql("SELECT " + query[(assign + 2)..], facts, mask)) return;
        facts.Explain("part of the DO body could not be read");
    }

    private static string? ConstantString(string expression)
    {
        using var output = PgQuery.Parse(Encoding.UTF8.GetBytes("SELECT " + expression));
        if (output.Failed) return null;
        using var tree = JsonDocument.Parse(output.Memory, ParseTreeWalker.TreeOptions);
        var stmts = tree.RootElement.GetProperty("stmts");
        if (stmts.GetArrayLength() != 1) return null;
        if (!stmts[0].GetProperty("stmt").TryGetProperty("SelectStmt", out var select)
            || !select.TryGetProperty("targetList", out var targets) || targets.GetArrayLength() != 1
            || !targets[0].TryGetProperty("ResTarget", out var target) || !target.TryGetProperty("val", out var value)
            || !value.TryGetProperty("A_Const", out var constant) || !constant.TryGetProperty("sval", out var sval))
            return null;
        return ParseTreeWalker.OptionalString(sval, "sval");
    }

    // A tag the body doesn't contain, so the body can't close the quote early.
    private static string DollarQuote(string body)
    {
        var tag = "$tg$";
        for (var n = 0; body.Contains(tag, StringComparison.Ordinal); n++) tag = $"$tg{n}$";
        return tag + body + tag;
    }
}
