using System.Text.RegularExpressions;
using TicketGate.Proxy.Classification;

namespace TicketGate.Tests.Classification;

/// <summary>
/// psql's backslash commands are what people and agents use to look around a database; every query they send
/// must classify as read-only, or looking around would need a ticket. The queries come from a real psql (-E prints them).
/// </summary>
public partial class PsqlMetaCommandTests(ScratchCluster cluster) : IClassFixture<ScratchCluster>
{
    private const string Objects = """
        CREATE SCHEMA app;
        SET search_path = app, public;
        CREATE TABLE orders (id serial PRIMARY KEY, note text, amount numeric CHECK (amount > 0));
        CREATE INDEX orders_note ON orders (note);
        CREATE VIEW recent AS SELECT * FROM orders;
        CREATE MATERIALIZED VIEW totals AS SELECT sum(amount) FROM orders;
        CREATE FUNCTION score(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
        CREATE TABLE parts (id int, k int) PARTITION BY RANGE (k);
        CREATE TABLE parts_low PARTITION OF parts FOR VALUES FROM (0) TO (10);
        CREATE STATISTICS orders_stats ON id, note FROM orders;
        CREATE TRIGGER keep BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
        CREATE TABLE lines (order_id int REFERENCES orders (id));
        CREATE POLICY everyone ON orders USING (true);
        CREATE TYPE mood AS ENUM ('ok', 'sad');
        CREATE ROLE reader;
        COMMENT ON TABLE orders IS 'customer orders';
        """;

    // The commands an agent or a person typically uses to find their way around.
    private static readonly string[] MetaCommands =
    [
        @"\d", @"\dt", @"\dt+", @"\dt *.*", @"\d orders", @"\d+ orders", @"\d+ parts", @"\d recent", @"\d+ recent",
        @"\d orders_note", @"\d orders_id_seq", @"\d+ totals", @"\l", @"\l+", @"\du", @"\dg", @"\dn", @"\dn+", @"\df",
        @"\df+ score", @"\dv", @"\dm", @"\di", @"\ds", @"\dT", @"\dT+ mood", @"\dD", @"\dx", @"\dp", @"\z orders",
        @"\ddp", @"\dc", @"\dC", @"\db", @"\dd", @"\des", @"\dew", @"\det", @"\deu", @"\dF", @"\dFd", @"\dFp",
        @"\dFt", @"\dL", @"\do", @"\dO", @"\dP", @"\drds", @"\dRp", @"\dRs", @"\dy", @"\dE", @"\dconfig", @"\sf score",
        @"\sv recent", @"\dA", @"\dAc", @"\dAf", @"\dAo", @"\dAp", @"\da", @"\x", @"\d orders", @"\conninfo",
    ];

    [Fact]
    public async Task Every_query_psql_sends_for_its_backslash_commands_is_read_only()
    {
        await cluster.Psql(cluster.WriteFile("objects.sql", Objects), "-q", "-v", "ON_ERROR_STOP=1");
        var script = cluster.WriteFile("meta.sql", "SET search_path = app, public;\n" + string.Join('\n', MetaCommands) + "\n");

        var printed = await cluster.Psql(script, "-E");
        var queries = QueryBlock().Matches(printed).Select(m => m.Groups[1].Value).ToList();

        Assert.True(queries.Count > 60, $"psql -E printed only {queries.Count} queries:\n{printed}");
        var classifier = new SqlClassifier();
        var notReadOnly = queries
            .Select(q => (Query: q, Result: classifier.Classify(q)))
            .Where(r => r.Result.Classes != StatementClass.Read)
            .Select(r => $"{r.Result.Classes} {r.Result.ParseError} {string.Join(" | ", r.Result.Statements.Select(s => s.Note))}\n{r.Query}")
            .ToList();
        Assert.True(notReadOnly.Count == 0, string.Join("\n\n", notReadOnly));
    }

    [GeneratedRegex(@"\*{9} QUERY \*{10}\n(.*?)\n\*{26}", RegexOptions.Singleline)]
    private static partial Regex QueryBlock();
}
