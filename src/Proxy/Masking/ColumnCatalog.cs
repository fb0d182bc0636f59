using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Masking;

/// <summary>The masked columns of one table, by attribute number.</summary>
internal sealed class TableMask(string name, ColumnMask?[] byAttribute)
{
    public static readonly TableMask None = new("", []);

    public string Name { get; } = name;

    public bool IsEmpty => byAttribute.Length == 0;

    public ColumnMask? Column(short attribute) => attribute > 0 && attribute < byAttribute.Length ? byAttribute[attribute] : null;
}

/// <summary>
/// Which columns of a connection's tables are masked, by table OID, as the upstream's own catalog says. Results name their
/// columns' origin by table OID and attribute number (RowDescription), so aliases and joins can't hide a masked column. The
/// catalog is read on a separate, pooled metadata connection (the session's own connection is busy with the agent's traffic)
/// and cached per table OID for the life of the gateway: OIDs are not reused while a table exists, and a table recreated
/// under the same name gets a new OID, which is looked up afresh.
/// </summary>
internal sealed class ColumnCatalog : IAsyncDisposable
{
    private const string LookupSql = """
        SELECT c.oid, n.nspname, c.relname, a.attnum, a.attname
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.oid = ANY($1)
        """;

    private readonly ConcurrentDictionary<uint, TableMask> _tables = new();
    private readonly Dictionary<(string Schema, string Table), Dictionary<string, ColumnMask>> _rules = [];
    private readonly NpgsqlDataSource? _metadata;

    public ColumnCatalog(ConnectionDefinition connection)
    {
        foreach (var column in connection.Masking.Columns)
        {
            if (!_rules.TryGetValue((column.Schema, column.Table), out var columns)) _rules[(column.Schema, column.Table)] = columns = new(StringComparer.Ordinal);
            columns[column.Column] = column;
        }
        if (_rules.Count == 0) return;
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = connection.Host,
            Port = connection.Port,
            Database = connection.Database,
            Username = connection.User,
            SslMode = SslModeOf(connection.SslMode),
            ApplicationName = "ticketgate-masking-catalog",
            MaxPoolSize = 2,
            Timeout = 10,
            CommandTimeout = 10,
        }.ConnectionString)
        {
            Name = $"ticketgate-masking-{connection.Name}",
        };
        // The secret is read when a connection opens, as for the agents' own upstream connections.
        builder.UsePasswordProvider(_ => connection.Password.Read(), (_, _) => ValueTask.FromResult(connection.Password.Read()));
        _metadata = builder.Build();
    }

    /// <summary>Whether any column of this connection is masked by rule; when none, no lookups ever happen.</summary>
    public bool HasRules => _rules.Count > 0;

    /// <summary>True when a rule names a table called <paramref name="table"/> (bare or schema-qualified, as a statement names it).</summary>
    public bool HasRulesForTable(string table)
    {
        foreach (var (schema, name) in _rules.Keys)
        {
            if (string.Equals(table, name, StringComparison.Ordinal) || string.Equals(table, $"{schema}.{name}", StringComparison.Ordinal)) return true;
        }
        return false;
    }

    public bool HasRulesFor(string schema, string table) => _rules.ContainsKey((schema, table));

    public bool TryGet(uint tableOid, out TableMask table) => _tables.TryGetValue(tableOid, out table!);

    /// <summary>Reads the given tables' columns from the upstream catalog and caches what is masked of them.</summary>
    public async Task LoadAsync(IReadOnlyCollection<uint> tableOids, CancellationToken cancellationToken)
    {
        if (_metadata is null || tableOids.Count == 0) return;
        var oids = new uint[tableOids.Count];
        var i = 0;
        foreach (var oid in tableOids) oids[i++] = oid;
        var found = new Dictionary<uint, (string Name, List<(short Attribute, ColumnMask Rule)> Columns)>();
        await using (var command = _metadata.CreateCommand(LookupSql))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = oids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var oid = reader.GetFieldValue<uint>(0);
                var schema = reader.GetString(1);
                var table = reader.GetString(2);
                if (!found.TryGetValue(oid, out var entry)) found[oid] = entry = ($"{schema}.{table}", []);
                if (reader.IsDBNull(3) || !_rules.TryGetValue((schema, table), out var columns)) continue;
                if (columns.TryGetValue(reader.GetString(4), out var rule)) entry.Columns.Add((reader.GetInt16(3), rule));
            }
        }
        foreach (var oid in oids)
        {
            if (!found.TryGetValue(oid, out var entry) || entry.Columns.Count == 0)
            {
                _tables[oid] = TableMask.None;
                continue;
            }
            var max = 0;
            foreach (var (attribute, _) in entry.Columns) max = Math.Max(max, attribute);
            var byAttribute = new ColumnMask?[max + 1];
            foreach (var (attribute, rule) in entry.Columns) byAttribute[attribute] = rule;
            _tables[oid] = new TableMask(entry.Name, byAttribute);
        }
    }

    private static SslMode SslModeOf(string mode) => mode switch
    {
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCA,
        "verify-full" => SslMode.VerifyFull,
        _ => SslMode.Prefer,
    };

    public async ValueTask DisposeAsync()
    {
        if (_metadata is not null) await _metadata.DisposeAsync().ConfigureAwait(false);
    }
}
