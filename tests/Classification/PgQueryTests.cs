using System.Text;
using System.Text.Json;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Classification.Parsing;

namespace TicketGate.Tests.Classification;

/// <summary>The libpg_query interop on its own: results, errors, splitting, threads, and a missing library.</summary>
public class PgQueryTests
{
    [Fact]
    public void Parse_returns_the_postgresql_15_json_tree()
    {
        using var output = PgQuery.Parse("SELECT 1"u8);

        Assert.False(output.Failed);
        using var tree = JsonDocument.Parse(output.Memory);
        Assert.Equal(150001, tree.RootElement.GetProperty("version").GetInt32());
        Assert.True(tree.RootElement.GetProperty("stmts")[0].GetProperty("stmt").TryGetProperty("SelectStmt", out _));
    }

    [Fact]
    public void Parse_error_carries_message_and_cursor()
    {
        using var output = PgQuery.Parse("SELECT * FORM t"u8);

        Assert.True(output.Failed);
        Assert.Equal("syntax error at or near \"FORM\"", output.ErrorMessage);
        Assert.Equal(10, output.ErrorCursor);
    }

    [Fact]
    public void Long_input_beyond_the_stack_buffer_parses()
    {
        var sql = "SELECT " + string.Join(", ", Enumerable.Range(0, 2000).Select(i => $"'é{i}'"));

        using var output = PgQuery.Parse(Encoding.UTF8.GetBytes(sql));

        Assert.False(output.Failed, output.ErrorMessage);
        Assert.Contains("\"é1999\"", Encoding.UTF8.GetString(output.Json));
    }

    [Fact]
    public void Plpgsql_parse_returns_the_function_body()
    {
        using var output = PgQuery.ParsePlpgsql(
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$BEGIN DELETE FROM t; END$$"u8);

        Assert.False(output.Failed, output.ErrorMessage);
        Assert.Contains("DELETE FROM t", Encoding.UTF8.GetString(output.Json));
    }

    [Fact]
    public void Scanner_split_finds_statements_in_text_that_does_not_parse()
    {
        var text = "SELECT 1; /* ; */ DELETE FROM t; SELECT 'a;b'"u8;

        var spans = PgQuery.SplitWithScanner(text);

        Assert.NotNull(spans);
        Assert.Equal(3, spans.Length);
        Assert.Equal("SELECT 1", Encoding.UTF8.GetString(text.Slice(spans[0].Location, spans[0].Length)));
        Assert.Equal("/* ; */ DELETE FROM t", Encoding.UTF8.GetString(text.Slice(spans[1].Location, spans[1].Length)).Trim());
    }

    [Fact]
    public void Parallel_classification_from_many_threads_agrees_with_sequential()
    {
        var classifier = new SqlClassifier();
        string[] texts =
        [
            "SELECT * FROM orders WHERE id = 1", "DELETE FROM orders", "GRANT SELECT ON t TO bob",
            "DO $$BEGIN INSERT INTO t VALUES (1); END$$", "SELECT pg_terminate_backend(1)", "SELEC broken",
            "WITH d AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM d", "VACUUM t",
        ];
        var expected = texts.Select(t => classifier.Classify(t).Classes).ToArray();
        var failures = 0;

        var threads = Enumerable.Range(0, 8).Select(n => new Thread(() =>
        {
            for (var i = 0; i < 300; i++)
            {
                var k = (i + n) % texts.Length;
                if (classifier.Classify(texts[k]).Classes != expected[k]) Interlocked.Increment(ref failures);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(0, failures);
    }

    [Fact]
    public void Missing_library_error_names_the_packages_to_install()
    {
        var error = Assert.Throws<DllNotFoundException>(() => PgQueryLibrary.Load(["libpg_query_not_here.so"]));

        Assert.Contains("libpg-query1504.0", error.Message);
        Assert.Contains("libpg-query-dev", error.Message);
        Assert.Contains("libpg_query_not_here.so", error.Message);
    }

    [Fact]
    public void Installed_library_loads()
    {
        PgQueryLibrary.EnsureLoaded();

        Assert.NotEqual(0, PgQueryLibrary.Load(PgQueryLibrary.Candidates));
    }
}
