using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using TicketGate.Proxy.Classification.Parsing;

namespace TicketGate.Proxy.Classification;

/// <summary>
/// Walks libpg_query's JSON parse tree. Every object and array is visited, whatever its node type, so a data-modifying
/// statement or a function call can't hide under a node this code has never heard of.
/// </summary>
internal sealed class ParseTreeWalker
{
    /// <summary>What survives from inside a plain EXPLAIN: the planner may fold (and so run) functions, but runs no DML.</summary>
    private const StatementClass PlannedOnly = StatementClass.Opaque | StatementClass.Admin;

    internal static readonly JsonDocumentOptions TreeOptions = new() { MaxDepth = 100_000 };

    private static readonly FrozenSet<string> TableObjectTypes = FrozenSet.Create(StringComparer.Ordinal,
        ["OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE", "OBJECT_SEQUENCE", "OBJECT_INDEX"]);

    private static readonly FrozenSet<string> AccessSubcommands = FrozenSet.Create(StringComparer.Ordinal,
        ["AT_ChangeOwner", "AT_EnableRowSecurity", "AT_DisableRowSecurity", "AT_ForceRowSecurity", "AT_NoForceRowSecurity"]);

    private readonly FrozenSet<string> extraSafeFunctions;
    private readonly DoBlockReader doBlocks;

    public ParseTreeWalker(FrozenSet<string> extraSafeFunctions)
    {
        this.extraSafeFunctions = extraSafeFunctions;
        doBlocks = new DoBlockReader(this);
    }

    /// <summary>Walks one top-level statement node, e.g. the value of {"DeleteStmt": {...}}.</summary>
    public void WalkStatement(string kind, JsonElement body, StatementFacts facts) =>
        WalkNode(kind, body, facts, StatementClass.Read | StatementClass.Write | StatementClass.Ddl
            | StatementClass.Privilege | StatementClass.Admin | StatementClass.Opaque, nested: false);

    /// <summary>Parses SQL found inside other SQL (a DO body) and walks it into the same facts; false when it doesn't parse.</summary>
    public bool WalkEmbeddedSql(string sql, StatementFacts facts, StatementClass mask)
    {
        using var output = PgQuery.Parse(Encoding.UTF8.GetBytes(sql));
        if (output.Failed) return false;
        using var tree = JsonDocument.Parse(output.Memory, TreeOptions);
        if (!tree.RootElement.TryGetProperty("stmts", out var stmts)) return true;
        foreach (var stmt in stmts.EnumerateArray())
        {
            foreach (var node in stmt.GetProperty("stmt").EnumerateObject())
            {
                WalkNode(node.Name, node.Value, facts, mask, nested: true);
            }
        }
        return true;
    }

    private void Walk(JsonElement element, StatementFacts facts, StatementClass mask)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Walk(item, facts, mask);
                break;
            case JsonValueKind.Object:
                WalkObject(element, facts, mask);
                break;
        }
    }

    private void WalkObject(JsonElement obj, StatementFacts facts, StatementClass mask)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        // Typed fields hold RangeVar and FuncCall without their node wrapper, so recognise them by their fields.
        if (obj.TryGetProperty("relname", out var relname) && relname.ValueKind == JsonValueKind.String)
            facts.AddTable(OptionalString(obj, "schemaname"), relname.GetString()!);
        if (obj.TryGetProperty("funcname", out var funcname) && obj.TryGetProperty("funcformat", out _))
            OnFunctionCall(funcname, obj, facts, mask);

        foreach (var property in obj.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object && IsNodeName(property.Name))
                WalkNode(property.Name, property.Value, facts, mask, nested: true);
            else
                Walk(property.Value, facts, mask);
        }
    }

    private void WalkNode(string name, JsonElement body, StatementFacts facts, StatementClass mask, bool nested)
    {
        if (!StatementKinds.IsStatement(name))
        {
            if (name == "CommonTableExpr" && OptionalString(body, "ctename") is { } cte) facts.AddCommonTableExpression(cte);
            if (name == "AlterTableCmd" && OptionalString(body, "subtype") is { } subtype && AccessSubcommands.Contains(subtype))
                facts.Add(StatementClass.Privilege & mask, "changes who may access the table");
            WalkObject(body, facts, mask);
            return;
        }

        var classes = StatementKinds.Of(name);
        // The VALUES rows of an INSERT are a SelectStmt in the tree, but they read nothing.
        if (nested && name == "SelectStmt" && body.TryGetProperty("valuesLists", out _)) classes = StatementClass.None;
        string? note = !StatementKinds.IsKnown(name) ? $"{name} is a statement kind TicketGate does not know"
            : nested ? $"contains {name}" : null;
        facts.Add(classes & mask, note);

        switch (name)
        {
            case "ExplainStmt":
                WalkExplain(body, facts, mask);
                return;
            case "SelectStmt":
                if (body.TryGetProperty("intoClause", out _))
                    facts.Add((StatementClass.Write | StatementClass.Ddl) & mask, "SELECT INTO creates a table");
                if (body.TryGetProperty("lockingClause", out _))
                    facts.Add(StatementClass.Write & mask, "locks rows (FOR UPDATE/SHARE)");
                break;
            case "VariableSetStmt":
                OnSet(body, facts, mask);
                break;
            case "CopyStmt":
                OnCopy(body, facts, mask);
                break;
            case "DropStmt":
                OnDrop(body, facts, mask);
                break;
            case "CommentStmt":
                if (TableObjectTypes.Contains(OptionalString(body, "objtype") ?? "") && body.TryGetProperty("object", out var target))
                    AddQualifiedName(target, facts);
                break;
            case "DoStmt":
                doBlocks.Read(body, facts, mask);
                return;
        }
        WalkObject(body, facts, mask);
    }

    private void WalkExplain(JsonElement body, StatementFacts facts, StatementClass mask)
    {
        var analyze = false;
        if (body.TryGetProperty("options", out var options))
        {
            foreach (var option in options.EnumerateArray())
            {
                if (option.TryGetProperty("DefElem", out var def) && OptionalString(def, "defname") == "analyze" && OptionIsOn(def))
                    analyze = true;
            }
        }
        if (body.TryGetProperty("query", out var query))
        {
            if (analyze)
            {
                var before = facts.Classes;
                Walk(query, facts, mask);
                if ((facts.Classes & ~before & ~StatementClass.Read) != 0) facts.Explain("EXPLAIN ANALYZE runs the statement");
            }
            else
            {
                Walk(query, facts, mask & PlannedOnly);
            }
        }
    }

    // EXPLAIN's boolean options are on when written bare, and off only for false/off/0 (as PostgreSQL's defGetBoolean reads them).
    private static bool OptionIsOn(JsonElement def)
    {
        if (!def.TryGetProperty("arg", out var arg)) return true;
        if (arg.TryGetProperty("String", out var text))
        {
            var value = OptionalString(text, "sval") ?? "";
            return !(value.Equals("false", StringComparison.OrdinalIgnoreCase) || value.Equals("off", StringComparison.OrdinalIgnoreCase)
                || value == "0");
        }
        if (arg.TryGetProperty("Integer", out var number))
            return number.TryGetProperty("ival", out var ival) && ival.GetInt32() != 0;
        return true;
    }

    private static void OnSet(JsonElement body, StatementFacts facts, StatementClass mask)
    {
        var kind = OptionalString(body, "kind");
        if (kind == "VAR_RESET_ALL" || OptionalString(body, "name") is not { } setting) return;
        if (BuiltinFunctions.IsIdentitySetting(setting))
            facts.Add(StatementClass.Admin & mask, "changes the session's role");
        else if (kind == "VAR_SET_VALUE" && BuiltinFunctions.ChangesHowSqlIsRead(setting, ConstantArgument(body, 0)))
            facts.Add(StatementClass.Admin & mask, $"changes how the server reads later SQL ({setting})");
    }

    private static void OnCopy(JsonElement body, StatementFacts facts, StatementClass mask)
    {
        var from = body.TryGetProperty("is_from", out var isFrom) && isFrom.ValueKind == JsonValueKind.True;
        facts.Add((from ? StatementClass.Write : StatementClass.Read) & mask, null);
        if (body.TryGetProperty("is_program", out var program) && program.ValueKind == JsonValueKind.True)
            facts.Add(StatementClass.Admin & mask, "COPY runs a program on the database server");
        else if (body.TryGetProperty("filename", out _))
            facts.Add(StatementClass.Admin & mask, "COPY uses a file on the database server");
    }

    private static void OnDrop(JsonElement body, StatementFacts facts, StatementClass mask)
    {
        var type = OptionalString(body, "removeType") ?? "";
        if (type == "OBJECT_POLICY") facts.Add(StatementClass.Privilege & mask, "drops a row security policy");
        if (!TableObjectTypes.Contains(type) || !body.TryGetProperty("objects", out var objects)) return;
        foreach (var name in objects.EnumerateArray()) AddQualifiedName(name, facts);
    }

    // DROP and COMMENT name relations as {"List": {"items": [{"String": {"sval": "schema"}}, {"String": {"sval": "table"}}]}}.
    private static void AddQualifiedName(JsonElement listNode, StatementFacts facts)
    {
        if (!listNode.TryGetProperty("List", out var list) || !list.TryGetProperty("items", out var items)) return;
        var parts = StringItems(items);
        if (parts.Count == 1) facts.AddTable(null, parts[0]);
        else if (parts.Count >= 2) facts.AddTable(parts[^2], parts[^1]);
    }

    private void OnFunctionCall(JsonElement funcname, JsonElement call, StatementFacts facts, StatementClass mask)
    {
        var parts = StringItems(funcname);
        if (parts.Count == 0) return;
        var name = parts[^1];
        var schema = parts.Count >= 2 ? parts[^2] : null;
        var written = string.Join('.', parts);
        facts.AddFunction(written);

        var classes = BuiltinFunctions.ClassOf(schema, name);
        if (name == "set_config" && (schema is null or "pg_catalog"))
            classes = SetsOrdinarySetting(call) ? StatementClass.None : StatementClass.Admin;
        if (classes == StatementClass.Opaque && (extraSafeFunctions.Contains(name) || extraSafeFunctions.Contains(written)))
            classes = StatementClass.None;

        var note = classes switch
        {
            StatementClass.None => null,
            StatementClass.Write => $"calls {written}, which changes data",
            StatementClass.Opaque => $"calls {written}, which is not known to be read-only",
            _ => $"calls {written}",
        };
        if (note is not null) facts.Add(classes & mask, note);
    }

    // set_config('role', ...) switches identity like SET ROLE; a setting name computed at run time could be anything.
    private static bool SetsOrdinarySetting(JsonElement call) =>
        ConstantArgument(call, 0) is { } setting && !BuiltinFunctions.IsIdentitySetting(setting)
        && !BuiltinFunctions.ChangesHowSqlIsRead(setting, ConstantArgument(call, 1));

    /// <summary>The string constant at position <paramref name="index"/> of a node's "args", or null when it isn't one.</summary>
    private static string? ConstantArgument(JsonElement node, int index)
    {
        if (!node.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array || args.GetArrayLength() <= index)
            return null;
        return args[index].TryGetProperty("A_Const", out var constant) && constant.TryGetProperty("sval", out var sval)
            ? OptionalString(sval, "sval")
            : null;
    }

    internal static List<string> StringItems(JsonElement items)
    {
        var parts = new List<string>(2);
        if (items.ValueKind != JsonValueKind.Array) return parts;
        foreach (var item in items.EnumerateArray())
        {
            if (item.TryGetProperty("String", out var s) && OptionalString(s, "sval") is { } value) parts.Add(value);
        }
        return parts;
    }

    internal static string? OptionalString(JsonElement obj, string property) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    // Node wrappers are PascalCase ("RangeVar", "A_Const", "PLpgSQL_expr"); fields are lower or camel case.
    private static bool IsNodeName(string name) => name.Length > 0 && char.IsAsciiLetterUpper(name[0]);
}
