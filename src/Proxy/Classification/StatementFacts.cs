namespace TicketGate.Proxy.Classification;

/// <summary>What the walk of one statement's parse tree has found so far.</summary>
internal sealed class StatementFacts(StatementClass kindClasses)
{
    private readonly StatementClass kindClasses = kindClasses;
    private readonly List<string> tables = [];
    private readonly List<string> functions = [];
    private List<string>? notes;
    private List<string>? cteNames;

    public StatementClass Classes { get; private set; } = kindClasses;

    /// <summary>Adds classes; the note explains them when the statement's kind alone wouldn't have carried them.</summary>
    public void Add(StatementClass classes, string? note)
    {
        Classes |= classes;
        if (note is null || (classes & ~kindClasses) == 0) return;
        notes ??= [];
        if (!notes.Contains(note)) notes.Add(note);
    }

    /// <summary>Records an explanation that isn't tied to a class, such as a DO body that could not be read.</summary>
    public void Explain(string note)
    {
        notes ??= [];
        if (!notes.Contains(note)) notes.Add(note);
    }

    public void AddTable(string? schema, string name) => AddOnce(tables, schema is null ? name : schema + "." + name);

    public void AddFunction(string name) => AddOnce(functions, name);

    /// <summary>A WITH query's name; references to it are not tables.</summary>
    public void AddCommonTableExpression(string name) => AddOnce(cteNames ??= [], name);

    public ClassifiedStatement ToStatement(string text, string kind)
    {
        if (cteNames is not null) tables.RemoveAll(cteNames.Contains);
        return new ClassifiedStatement
        {
            Text = text,
            // A statement always carries a class; one the walk couldn't place is held as opaque.
            Classes = Classes == StatementClass.None ? StatementClass.Opaque : Classes,
            Tables = tables,
            Functions = functions,
            Kind = kind,
            Note = notes is null ? null : string.Join("; ", notes),
        };
    }

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value)) list.Add(value);
    }
}
