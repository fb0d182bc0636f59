using TicketGate.Proxy.Classification;

namespace TicketGate.Tests.Classification;

/// <summary>Tables, functions, statement text and parse errors, as audit rows and tickets show them.</summary>
public class StatementDetailsTests
{
    private static readonly SqlClassifier Classifier = new();

    [Theory]
    [InlineData("SELECT * FROM sales.orders o JOIN customers c ON c.id = o.customer_id", new[] { "sales.orders", "customers" })]
    [InlineData("INSERT INTO audit.log SELECT * FROM orders", new[] { "audit.log", "orders" })]
    [InlineData("UPDATE orders SET total = 0 FROM refunds WHERE refunds.id = orders.id", new[] { "orders", "refunds" })]
    [InlineData("DELETE FROM orders USING customers WHERE false", new[] { "orders", "customers" })]
    [InlineData("MERGE INTO orders USING staging ON true WHEN MATCHED THEN DELETE", new[] { "orders", "staging" })]
    [InlineData("COPY public.orders FROM STDIN", new[] { "public.orders" })]
    [InlineData("TRUNCATE orders, app.lines", new[] { "orders", "app.lines" })]
    [InlineData("CREATE TABLE app.t (id int REFERENCES app.parent)", new[] { "app.t", "app.parent" })]
    [InlineData("DROP TABLE app.t, u", new[] { "app.t", "u" })]
    [InlineData("COMMENT ON TABLE app.t IS 'x'", new[] { "app.t" })]
    [InlineData("GRANT SELECT ON app.t TO bob", new[] { "app.t" })]
    [InlineData("SELECT * INTO archive FROM orders", new[] { "archive", "orders" })]
    [InlineData("WITH x AS (SELECT * FROM orders) SELECT * FROM x, app.x", new[] { "app.x", "orders" })]
    public void Tables_are_collected_once_each_as_written(string sql, string[] expected)
    {
        var statement = Assert.Single(Classifier.Classify(sql).Statements);

        Assert.Equal(expected, statement.Tables);
    }

    [Fact]
    public void Functions_are_collected_with_their_schema_once_each()
    {
        var statement = Assert.Single(Classifier.Classify(
            "SELECT count(*), pg_catalog.count(*), count(id), app.score(x), lower(name) FROM t GROUP BY lower(name)").Statements);

        Assert.Equal(["count", "pg_catalog.count", "app.score", "lower"], statement.Functions);
    }

    [Fact]
    public void Called_procedure_is_listed_as_a_function()
    {
        var statement = Assert.Single(Classifier.Classify("CALL app.archive(now())").Statements);

        Assert.Equal(["app.archive", "now"], statement.Functions);
    }

    [Fact]
    public void Statement_text_is_cut_at_byte_offsets_of_multibyte_utf8()
    {
        const string sql = "SELECT 'Größe € 😀' AS 名前; DELETE FROM \"Ärger\" WHERE note = 'ü';\n  UPDATE t SET a = '日本'";

        var statements = Classifier.Classify(sql).Statements;

        Assert.Equal(
            ["SELECT 'Größe € 😀' AS 名前", "DELETE FROM \"Ärger\" WHERE note = 'ü'", "UPDATE t SET a = '日本'"],
            statements.Select(s => s.Text));
        Assert.Equal(["Ärger"], statements[1].Tables);
    }

    [Fact]
    public void Last_statement_without_a_semicolon_runs_to_the_end()
    {
        var statements = Classifier.Classify("SELECT 1;SELECT 'ä' -- trailing comment").Statements;

        Assert.Equal("SELECT 'ä' -- trailing comment", statements[1].Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData("-- just a comment")]
    [InlineData("/* block */ -- and line")]
    [InlineData(";;")]
    public void Text_without_statements_parses_to_none(string sql)
    {
        var classification = Classifier.Classify(sql);

        Assert.True(classification.Parsed);
        Assert.Empty(classification.Statements);
        Assert.Equal(StatementClass.None, classification.Classes);
    }

    [Fact]
    public void Unparseable_text_reports_the_parser_error_and_is_opaque()
    {
        var classification = Classifier.Classify("SELECT 1; SELEC * FROM t; DELETE FROM u");

        Assert.False(classification.Parsed);
        Assert.Contains("syntax error at or near \"SELEC\"", classification.ParseError);
        Assert.Contains("at character 11", classification.ParseError);
        Assert.Equal(StatementClass.Opaque, classification.Classes);
        Assert.Equal(["SELECT 1", "SELEC * FROM t", "DELETE FROM u"], classification.Statements.Select(s => s.Text));
        Assert.All(classification.Statements, s =>
        {
            Assert.Equal("Unparsed", s.Kind);
            Assert.Equal(StatementClass.Opaque, s.Classes);
        });
    }

    [Fact]
    public void Statements_the_scanner_split_skips_are_still_shown()
    {
        var classification = Classifier.Classify("SELEC 1; /* ; */ DELETE FROM t; SELECT 'a;b'");

        Assert.Equal(["SELEC 1", "/* ; */ DELETE FROM t", "SELECT 'a;b'"], classification.Statements.Select(s => s.Text));
    }

    [Fact]
    public void Text_the_scanner_cannot_split_is_one_unparsed_statement()
    {
        var classification = Classifier.Classify("SELECT 'unterminated; DELETE FROM t");

        Assert.False(classification.Parsed);
        var statement = Assert.Single(classification.Statements);
        Assert.Equal("SELECT 'unterminated; DELETE FROM t", statement.Text);
        Assert.Equal(StatementClass.Opaque, statement.Classes);
    }

    [Fact]
    public void Nul_byte_is_refused_rather_than_letting_it_hide_the_rest()
    {
        var classification = Classifier.Classify("SELECT 1\0; DROP TABLE t"u8);

        Assert.False(classification.Parsed);
        Assert.Contains("NUL", classification.ParseError);
        Assert.Equal(StatementClass.Opaque, classification.Classes);
    }

    [Fact]
    public void Extra_safe_functions_match_by_name_or_by_schema_and_name_ignoring_case()
    {
        var classifier = new SqlClassifier(["Score", "reporting.Total"]);

        Assert.Equal(StatementClass.Read, classifier.Classify("SELECT score(1), app.score(2), reporting.total(3)").Classes);
        Assert.Equal(StatementClass.Read | StatementClass.Opaque, classifier.Classify("SELECT total(3)").Classes);
        Assert.Equal(StatementClass.Read | StatementClass.Opaque, classifier.Classify("SELECT other.total(3)").Classes);
    }

    [Fact]
    public void Extra_safe_list_does_not_make_admin_functions_safe()
    {
        var classifier = new SqlClassifier(["pg_terminate_backend"]);

        Assert.Equal(StatementClass.Admin, classifier.Classify("SELECT pg_terminate_backend(1)").Classes.Primary());
    }

    [Theory]
    [InlineData(200)]
    [InlineData(5_000)]
    [InlineData(200_000)]
    public void Deep_nesting_is_classified_or_held_never_crashes(int depth)
    {
        var sql = "SELECT " + string.Concat(Enumerable.Repeat("abs(", depth)) + "pg_reload_conf()::int" + new string(')', depth);

        var classification = Classifier.Classify(sql);

        Assert.Equal(classification.Parsed ? StatementClass.Read | StatementClass.Admin : StatementClass.Opaque, classification.Classes);
    }

    [Fact]
    public void Deeply_nested_expression_is_classified()
    {
        var sql = "SELECT " + new string('(', 500) + "1" + new string(')', 500) + " + nextval('s')";

        var classification = Classifier.Classify(sql);

        Assert.True(classification.Parsed, classification.ParseError);
        Assert.Equal(StatementClass.Read | StatementClass.Write, classification.Classes);
    }
}
