using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Policy;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Postgres.Session;

/// <summary>What the client pump knows about the statements it passes: their verdicts, traces and prepared definitions.</summary>
internal sealed partial class PostgresSession
{
    internal PolicyVerdict Evaluate(ClassifiedStatement statement) => _gateway.Policy.Evaluate(Connection, IdentityGroups, statement);

    private void EnqueueGroupTraces()
    {
        foreach (var trace in _groupTraces) _expectations.ExpectStatement(trace);
        _groupTraces.Clear();
    }

    private PreparedStatement Prepare(ReadOnlySpan<byte> sql)
    {
        var classification = _gateway.ClassificationCache.Classify(sql);
        if (_preparedByClassification.TryGetValue(classification, out var prepared)) return prepared;
        var text = classification.Statements.Count == 1 ? classification.Statements[0].Text : System.Text.Encoding.UTF8.GetString(sql);
        prepared = new PreparedStatement(text, classification, _gateway.Policy.EvaluateMessage(Connection, IdentityGroups, classification));
        if (_preparedByClassification.Count > 4096) _preparedByClassification.Clear();
        _preparedByClassification[classification] = prepared;
        return prepared;
    }

    private static StatementTrace Trace(ClassifiedStatement statement, PolicyVerdict verdict, long now) => new()
    {
        Text = statement.Text,
        Class = verdict.Class == StatementClass.None ? statement.Primary : verdict.Class,
        Tier = verdict.Tier,
        Rule = verdict.Rule,
        Tables = statement.Tables,
        ReceivedTimestamp = now,
    };

    private static char Printable(byte code) => code is >= 32 and < 127 ? (char)code : '?';

    private static readonly ClassifiedStatement FunctionCallStatement = new()
    {
        Text = "(FunctionCall message: a function called by OID)",
        Classes = StatementClass.Opaque,
        Tables = [],
        Functions = [],
        Kind = "FunctionCall",
    };

    // An Execute naming a portal we never saw bound: nothing is known about it, so it is reviewed, never allowed.
    private static readonly PreparedStatement UnknownPortal = new(
        "(Execute of a portal TicketGate did not see bound)",
        new SqlClassification { Statements = [], ParseError = "unknown portal", Classes = StatementClass.Opaque },
        new PolicyVerdict(RiskTier.Medium, "unknown-portal", StatementClass.Opaque));
}
