using System.Text;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Policy;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Postgres.Session;

/// <summary>A statement the client prepared with Parse: classified once, gated when a portal of it is executed.</summary>
internal sealed class PreparedStatement(string sql, SqlClassification classification, PolicyVerdict verdict)
{
    public string Sql { get; } = sql;
    public SqlClassification Classification { get; } = classification;
    public PolicyVerdict Verdict { get; } = verdict;

    /// <summary>True when running it creates or drops statements or cursors behind the protocol's back (SQL PREPARE, DEALLOCATE...).</summary>
    public bool RenamesPrepared { get; } = PreparedStatements.ChangesNames(classification);

    /// <summary>What the server may hold under a name TicketGate cannot see into: reviewed, never allowed.</summary>
    public static readonly PreparedStatement Unknown = new(
        "(a prepared statement or cursor TicketGate did not see defined)",
        new SqlClassification { Statements = [], ParseError = "unknown statement", Classes = StatementClass.Opaque },
        new PolicyVerdict(RiskTier.Medium, "unknown-statement", StatementClass.Opaque));

    /// <summary>Either of two definitions: the server holds one of them, so the stricter verdict applies and approvers see both.</summary>
    public static PreparedStatement? Either(PreparedStatement? a, PreparedStatement? b)
    {
        if (a is null || ReferenceEquals(a, b)) return b ?? a;
        if (b is null) return a;
        var stricter = b.Verdict.Tier > a.Verdict.Tier ? b.Verdict : a.Verdict;
        return new PreparedStatement(a.Sql + "\n-- or, depending on what the server kept:\n" + b.Sql, a.Classification, stricter);
    }
}

/// <summary>
/// The session's prepared statements and portals as the server may hold them. A Parse, Bind or Close counts only once the server
/// confirms it (ParseComplete, BindComplete, CloseComplete): the server refuses some (a name already taken) and skips everything
/// after an error until Sync. Until then a name may mean its old or its new definition, and a lookup merges both, so the gateway's
/// view is never milder than the server's. Within one group a change is certain for the messages after it: if it failed, they are
/// skipped too. The client pump records changes; the server pump confirms them, hence the lock.
/// </summary>
internal sealed class PreparedStatements
{
    internal enum Kind : byte
    {
        Parse,
        Bind,
        CloseStatement,
        ClosePortal,
        // SQL that creates or drops names behind the protocol (PREPARE, DEALLOCATE, DISCARD, DECLARE, CLOSE).
        Forget,
        // The Sync or Query whose ReadyForQuery settles every change before it.
        EndOfGroup,
        // Messages whose answers the masker pairs with what they asked about (recorded only on connections that mask):
        // a Describe is answered by RowDescription or NoData, an Execute by its completion.
        DescribeStatement,
        DescribePortal,
        Execute,
    }

    /// <summary>One change to the names (or, when masking, a Describe or Execute), as sent (or held) in the client's stream.</summary>
    internal readonly record struct Change(Kind What, string Name, PreparedStatement? Statement, short[]? ResultFormats = null)
    {
        public bool IsAnswered => What is Kind.DescribeStatement or Kind.DescribePortal or Kind.Execute;
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<string, PreparedStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PreparedStatement> _portals = new(StringComparer.Ordinal);
    // Changes sent upstream and not yet confirmed or settled, oldest first from _head.
    private readonly List<Change> _sent = [];
    private int _head;
    // How many of the newest sent changes belong to the current group (sent before its Sync arrived).
    private int _groupSent;
    // The current group's changes not yet sent (a group still being read, or held).
    private readonly List<Change> _unsent = [];
    // Once SQL has created names, a name we don't know may still exist on the server.
    private bool _namesCreatedInSql;

    public static bool ChangesNames(SqlClassification classification)
    {
        foreach (var statement in classification.Statements)
        {
            if (statement.Kind is "PrepareStmt" or "DeallocateStmt" or "DiscardStmt" or "DeclareCursorStmt" or "ClosePortalStmt") return true;
        }
        return false;
    }

    public void Parse(ReadOnlySpan<byte> name, PreparedStatement statement) =>
        _unsent.Add(new Change(Kind.Parse, NameOf(name), statement));

    /// <summary>Records a Bind; the portal gets what the statement may be right now (unknown when we have no definition).</summary>
    public void Bind(ReadOnlySpan<byte> portal, ReadOnlySpan<byte> statement) =>
        _unsent.Add(new Change(Kind.Bind, NameOf(portal), Resolve(portals: false, statement) ?? PreparedStatement.Unknown));

    public void Close(bool statement, ReadOnlySpan<byte> name) =>
        _unsent.Add(new Change(statement ? Kind.CloseStatement : Kind.ClosePortal, NameOf(name), null));

    /// <summary>SQL that may create or drop names: from here on nothing recorded so far can be trusted.</summary>
    public void Forget()
    {
        _namesCreatedInSql = true;
        _unsent.Add(new Change(Kind.Forget, "", null));
    }

    /// <summary>A Describe, for the masker: its RowDescription tells the statement's columns.</summary>
    public void Describe(bool statement, PreparedStatement? target) =>
        _unsent.Add(new Change(statement ? Kind.DescribeStatement : Kind.DescribePortal, "", target));

    /// <summary>An Execute, for the masker: rows without a RowDescription before them take the statement's remembered columns.</summary>
    public void Execute(PreparedStatement statement, short[]? resultFormats) =>
        _unsent.Add(new Change(Kind.Execute, "", statement, resultFormats));

    /// <summary>RowDescription or NoData: when the oldest unanswered message is a Describe, takes it.</summary>
    public bool TryAnswerDescribe(out Change describe) => TryAnswer(Kind.DescribeStatement, Kind.DescribePortal, take: true, out describe);

    /// <summary>The Execute whose rows are arriving, if the oldest unanswered message is one.</summary>
    public bool TryPeekExecute(out Change execute) => TryAnswer(Kind.Execute, Kind.Execute, take: false, out execute);

    /// <summary>A completion: when the oldest unanswered message is an Execute, takes it.</summary>
    public bool TryAnswerExecute() => TryAnswer(Kind.Execute, Kind.Execute, take: true, out _);

    private bool TryAnswer(Kind one, Kind other, bool take, out Change answer)
    {
        lock (_lock)
        {
            var i = _head;
            while (i < _sent.Count && _sent[i].What == Kind.Forget) i++;
            if (i < _sent.Count && (_sent[i].What == one || _sent[i].What == other))
            {
                answer = _sent[i];
                if (take)
                {
                    while (_head < i) Apply(_sent[_head++]);
                    _head++;
                    Compact();
                }
                return true;
            }
            answer = default;
            return false;
        }
    }

    public PreparedStatement? FindStatement(ReadOnlySpan<byte> name) => Resolve(portals: false, name);

    public PreparedStatement? FindPortal(ReadOnlySpan<byte> portal) => Resolve(portals: true, portal);

    /// <summary>The current group's recorded changes went upstream (its Sync may follow later).</summary>
    public void Sent()
    {
        if (_unsent.Count == 0) return;
        lock (_lock)
        {
            _sent.AddRange(_unsent);
            _groupSent += _unsent.Count;
            _unsent.Clear();
        }
    }

    /// <summary>A Sync or Query went upstream (the client's or TicketGate's own): its ReadyForQuery settles the changes before it.</summary>
    public void EndGroup()
    {
        lock (_lock)
        {
            _sent.Add(new Change(Kind.EndOfGroup, "", null));
            _groupSent = 0;
        }
    }

    /// <summary>The unsent changes of a group being held; they go upstream only if it is released.</summary>
    public Change[] TakeUnsent()
    {
        var changes = _unsent.ToArray();
        _unsent.Clear();
        return changes;
    }

    /// <summary>A held group was released: its changes went upstream.</summary>
    public void Sent(Change[] changes)
    {
        _unsent.InsertRange(0, changes);
        Sent();
    }

    /// <summary>The group is read again from its start once more bytes arrive: forget what was recorded of it.</summary>
    public void DiscardUnsent() => _unsent.Clear();

    /// <summary>ParseComplete, BindComplete or CloseComplete: the oldest sent change took effect.</summary>
    public void Confirm()
    {
        lock (_lock)
        {
            // SQL that renamed things ran before the confirmed change (and a masker's Describe or Execute before it was answered).
            while (_head < _sent.Count && (_sent[_head].What == Kind.Forget || _sent[_head].IsAnswered)) Apply(_sent[_head++]);
            if (_head < _sent.Count && _sent[_head].What != Kind.EndOfGroup) Apply(_sent[_head++]);
            Compact();
        }
    }

    /// <summary>ReadyForQuery: changes of the finished group that were never confirmed failed or were skipped.</summary>
    public void Settle()
    {
        lock (_lock)
        {
            while (_head < _sent.Count)
            {
                var change = _sent[_head++];
                var kind = change.What;
                if (kind == Kind.EndOfGroup) break;
                if (kind == Kind.Forget) Apply(change);
            }
            Compact();
        }
    }

    private void Compact()
    {
        if (_head < _sent.Count) return;
        _sent.Clear();
        _head = 0;
        _groupSent = 0;
    }

    private void Apply(in Change change)
    {
        switch (change.What)
        {
            case Kind.Parse:
                _statements[change.Name] = change.Statement!;
                break;
            case Kind.Bind:
                _portals[change.Name] = change.Statement!;
                break;
            case Kind.CloseStatement:
                _statements.Remove(change.Name);
                break;
            case Kind.ClosePortal:
                _portals.Remove(change.Name);
                break;
            case Kind.Forget:
                _statements.Clear();
                _portals.Clear();
                break;
        }
    }

    /// <summary>What the server may hold under <paramref name="nameBytes"/> when the client's next message runs; null when nothing.</summary>
    private PreparedStatement? Resolve(bool portals, ReadOnlySpan<byte> nameBytes)
    {
        Span<char> buffer = stackalloc char[256];
        ReadOnlySpan<char> name = nameBytes.Length <= 256 ? buffer[..Encoding.UTF8.GetChars(nameBytes, buffer)] : Encoding.UTF8.GetString(nameBytes);
        var define = portals ? Kind.Bind : Kind.Parse;
        var close = portals ? Kind.ClosePortal : Kind.CloseStatement;
        var forgotten = false;
        lock (_lock)
        {
            // Certain: the current group's own changes, newest first (had one failed, this message would be skipped).
            var groupStart = _sent.Count - _groupSent;
            for (var i = _unsent.Count + _groupSent - 1; i >= 0; i--)
            {
                var change = i >= _groupSent ? _unsent[i - _groupSent] : _sent[groupStart + i];
                var kind = change.What;
                if (kind == Kind.Forget) forgotten = true;
                else if ((kind == define || kind == close) && name.SequenceEqual(change.Name))
                {
                    return forgotten ? PreparedStatement.Either(change.Statement, PreparedStatement.Unknown) : change.Statement;
                }
            }
            // Uncertain: earlier groups' changes not confirmed yet, and what the server confirmed; the server holds one of them.
            PreparedStatement? result = null;
            for (var i = groupStart - 1; i >= _head; i--)
            {
                var change = _sent[i];
                var kind = change.What;
                if (kind == Kind.Forget) forgotten = true;
                else if (kind == define && name.SequenceEqual(change.Name)) result = PreparedStatement.Either(result, change.Statement);
            }
            var confirmed = portals ? _portals.GetAlternateLookup<ReadOnlySpan<char>>() : _statements.GetAlternateLookup<ReadOnlySpan<char>>();
            if (confirmed.TryGetValue(name, out var known)) result = PreparedStatement.Either(result, known);
            else if (_namesCreatedInSql) forgotten = true;
            return forgotten ? PreparedStatement.Either(result, PreparedStatement.Unknown) : result;
        }
    }

    private static string NameOf(ReadOnlySpan<byte> name) => name.IsEmpty ? "" : Encoding.UTF8.GetString(name);
}
