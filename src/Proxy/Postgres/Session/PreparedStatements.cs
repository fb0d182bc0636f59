using System.Text;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Policy;

namespace TicketGate.Proxy.Postgres.Session;

/// <summary>A statement the client prepared with Parse: classified once, gated when a portal of it is executed.</summary>
internal sealed class PreparedStatement(string sql, SqlClassification classification, PolicyVerdict verdict)
{
    public string Sql { get; } = sql;
    public SqlClassification Classification { get; } = classification;
    public PolicyVerdict Verdict { get; } = verdict;
}

/// <summary>
/// The session's prepared statements and portals, mirroring the upstream's: the unnamed ones are overwritten by each Parse/Bind,
/// named ones live until Close. Names are looked up from the wire bytes without allocating.
/// </summary>
internal sealed class PreparedStatements
{
    private readonly Dictionary<string, PreparedStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PreparedStatement> _portals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PreparedStatement>.AlternateLookup<ReadOnlySpan<char>> _statementsByName;
    private readonly Dictionary<string, PreparedStatement>.AlternateLookup<ReadOnlySpan<char>> _portalsByName;
    private PreparedStatement? _unnamedStatement;
    private PreparedStatement? _unnamedPortal;

    public PreparedStatements()
    {
        _statementsByName = _statements.GetAlternateLookup<ReadOnlySpan<char>>();
        _portalsByName = _portals.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public void SetStatement(ReadOnlySpan<byte> name, PreparedStatement statement)
    {
        if (name.IsEmpty) _unnamedStatement = statement;
        else _statements[Encoding.UTF8.GetString(name)] = statement;
    }

    public PreparedStatement? FindStatement(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty) return _unnamedStatement;
        Span<char> chars = stackalloc char[Math.Min(name.Length, 256)];
        if (name.Length > 256) return _statements.GetValueOrDefault(Encoding.UTF8.GetString(name));
        var n = Encoding.UTF8.GetChars(name, chars);
        return _statementsByName.TryGetValue(chars[..n], out var statement) ? statement : null;
    }

    /// <summary>Binds a portal; returns false when the statement is unknown to us (the upstream will then report the error).</summary>
    public void SetPortal(ReadOnlySpan<byte> portal, PreparedStatement? statement)
    {
        if (portal.IsEmpty)
        {
            _unnamedPortal = statement;
            return;
        }
        var key = Encoding.UTF8.GetString(portal);
        if (statement is null) _portals.Remove(key);
        else _portals[key] = statement;
    }

    public PreparedStatement? FindPortal(ReadOnlySpan<byte> portal)
    {
        if (portal.IsEmpty) return _unnamedPortal;
        Span<char> chars = stackalloc char[Math.Min(portal.Length, 256)];
        if (portal.Length > 256) return _portals.GetValueOrDefault(Encoding.UTF8.GetString(portal));
        var n = Encoding.UTF8.GetChars(portal, chars);
        return _portalsByName.TryGetValue(chars[..n], out var statement) ? statement : null;
    }

    public void CloseStatement(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty) _unnamedStatement = null;
        else _statements.Remove(Encoding.UTF8.GetString(name));
    }

    public void ClosePortal(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty) _unnamedPortal = null;
        else _portals.Remove(Encoding.UTF8.GetString(name));
    }
}
