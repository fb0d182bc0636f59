using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Postgres.Messages;

namespace TicketGate.Proxy.Postgres.Session;

/// <summary>
/// The bytes kept from the upstream while a decision is pending: a whole Query message, or an extended-protocol group from its first
/// unforwarded message through its Sync (or Flush). On approval exactly these bytes are forwarded.
/// </summary>
internal sealed class HeldCommand
{
    private HeldCommand(byte[] bytes, bool endsWithSync, bool upstreamMidGroup, string text, IReadOnlyList<string?> parameters,
        PolicyVerdict verdict, List<StatementTrace> traces)
    {
        Bytes = bytes;
        EndsWithSync = endsWithSync;
        UpstreamMidGroup = upstreamMidGroup;
        Text = text;
        Parameters = parameters;
        Verdict = verdict;
        Traces = traces;
        PayloadSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public byte[] Bytes { get; }
    /// <summary>True when the held bytes end with a Sync or are a Query: the client then expects a ReadyForQuery for them.</summary>
    public bool EndsWithSync { get; }
    /// <summary>True when earlier messages of the same extended group already went upstream.</summary>
    public bool UpstreamMidGroup { get; }
    public string Text { get; }
    public IReadOnlyList<string?> Parameters { get; }
    public PolicyVerdict Verdict { get; }
    public List<StatementTrace> Traces { get; }
    public string PayloadSha256 { get; }
    /// <summary>The held group's Parse/Bind/Close changes: they reach the server only if the group is released.</summary>
    public PreparedStatements.Change[] Changes { get; init; } = [];

    public static HeldCommand SimpleQuery(byte[] bytes, SqlClassification classification, PolicyVerdict verdict, PostgresSession session)
    {
        var traces = new List<StatementTrace>(classification.Statements.Count);
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var statement in classification.Statements)
        {
            var own = session.Evaluate(statement);
            traces.Add(new StatementTrace { Text = statement.Text, Class = own.Class, Tier = own.Tier, Rule = own.Rule, ReceivedTimestamp = now });
        }
        var text = bytes[0] == FrontendCode.Query ? Encoding.UTF8.GetString(bytes, 5, Math.Max(0, bytes.Length - 6)) : classification.Statements[0].Text;
        return new HeldCommand(bytes, endsWithSync: true, upstreamMidGroup: false, text, [], verdict, traces);
    }

    public static HeldCommand ExtendedGroup(byte[] bytes, bool endsWithSync, bool upstreamMidGroup, PolicyVerdict verdict,
        List<StatementTrace> traces, IReadOnlyList<PreparedStatement> gatedStatements, PreparedStatements.Change[] changes)
    {
        var text = new StringBuilder();
        foreach (var statement in gatedStatements)
        {
            if (text.Length > 0) text.Append(";\n");
            text.Append(statement.Sql);
        }
        return new HeldCommand(bytes, endsWithSync, upstreamMidGroup, text.ToString(), BoundParameters(bytes), verdict, traces) { Changes = changes };
    }

    /// <summary>The parameter values of the Bind messages among the held bytes: text as is, binary as \x hex, NULL as null.</summary>
    private static List<string?> BoundParameters(byte[] bytes)
    {
        var values = new List<string?>();
        var pos = 0;
        while (pos + 5 <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos + 1));
            if (length < 4 || pos + 1 + length > bytes.Length) break;
            if (bytes[pos] == FrontendCode.Bind) ReadBind(bytes.AsSpan(pos + 5, length - 4), values);
            pos += 1 + length;
        }
        return values;
    }

    private static void ReadBind(ReadOnlySpan<byte> body, List<string?> values)
    {
        var p = MessageFraming.ReadCString(body, 0, out _);
        if (p < 0) return;
        p = MessageFraming.ReadCString(body, p, out _);
        if (p < 0 || p + 2 > body.Length) return;
        var formatCount = BinaryPrimitives.ReadInt16BigEndian(body[p..]);
        var formats = body.Slice(p + 2, formatCount * 2);
        p += 2 + formatCount * 2;
        var count = BinaryPrimitives.ReadInt16BigEndian(body[p..]);
        p += 2;
        for (var i = 0; i < count && p + 4 <= body.Length; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body[p..]);
            p += 4;
            if (length < 0)
            {
                values.Add(null);
                continue;
            }
            var value = body.Slice(p, length);
            p += length;
            var format = formatCount == 0 ? 0 : formatCount == 1 ? BinaryPrimitives.ReadInt16BigEndian(formats) : BinaryPrimitives.ReadInt16BigEndian(formats[(i * 2)..]);
            values.Add(format == 0 ? Encoding.UTF8.GetString(value) : "\\x" + Convert.ToHexStringLower(value));
        }
    }
}
