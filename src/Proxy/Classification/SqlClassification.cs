namespace TicketGate.Proxy.Classification;

/// <summary>One statement of a message as the PostgreSQL parser saw it.</summary>
public sealed class ClassifiedStatement
{
    /// <summary>The statement's own text, cut from the message at the parser's statement boundaries.</summary>
    public required string Text { get; init; }
    /// <summary>Every class the statement carries; never None.</summary>
    public required StatementClass Classes { get; init; }
    /// <summary>Relations the statement names, as written: "orders" or "public.orders".</summary>
    public required IReadOnlyList<string> Tables { get; init; }
    /// <summary>Functions the statement calls, as written (schema-qualified when it was).</summary>
    public required IReadOnlyList<string> Functions { get; init; }
    /// <summary>The parse-tree node of the statement, e.g. "DeleteStmt"; "Unparsed" when parsing failed.</summary>
    public required string Kind { get; init; }
    /// <summary>Why the statement got a class it wouldn't have from its kind alone (e.g. "calls pg_terminate_backend").</summary>
    public string? Note { get; init; }

    public StatementClass Primary => Classes.Primary();
}

/// <summary>The statements of one Query or Parse message.</summary>
public sealed class SqlClassification
{
    public required IReadOnlyList<ClassifiedStatement> Statements { get; init; }
    /// <summary>The parser's error when the text didn't parse; such text is never allowed through unreviewed.</summary>
    public string? ParseError { get; init; }
    public bool Parsed => ParseError is null;
    /// <summary>The union of every statement's classes.</summary>
    public StatementClass Classes { get; init; }
}
