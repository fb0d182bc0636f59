using System.Text;
using TicketGate.Proxy.Classification;

namespace TicketGate.Tests.Classification;

public sealed class QueryShapeTests
{
    private static string? Shape(string sql)
    {
        Span<char> shape = stackalloc char[QueryShape.MaxLength];
        return QueryShape.TryWrite(Encoding.UTF8.GetBytes(sql), shape, out var length) ? shape[..length].ToString() : null;
    }

    [Theory]
    [InlineData("SELECT abalance FROM pgbench_accounts WHERE aid = 4711;", "SELECT abalance FROM pgbench_accounts WHERE aid = #")]
    [InlineData("select * from t1 where x > 1.5e3 limit 10", "select * from t1 where x > #.#e3 limit #")]
    [InlineData("  DELETE FROM orders WHERE id=42  ;  ", "  DELETE FROM orders WHERE id=#")]
    public void Numbers_are_blanked_and_identifiers_with_digits_are_kept(string sql, string expected) => Assert.Equal(expected, Shape(sql));

    [Theory]
    [InlineData("SELECT 'x' FROM t")]
    [InlineData("SELECT \"a;b\" FROM t")]
    [InlineData("SELECT $1")]
    [InlineData("SELECT $x$;DROP TABLE t;$x$")]
    [InlineData("SELECT 1 -- DELETE")]
    [InlineData("SELECT 1 /* x */")]
    [InlineData("SELECT 1; DELETE FROM t")]
    [InlineData("SELECT 'é'")]
    [InlineData("SELECT E'\\''")]
    public void Texts_whose_tokens_need_a_parser_get_no_shape(string sql) => Assert.Null(Shape(sql));

    [Fact]
    public void Queries_differing_only_in_numbers_share_one_parse_but_keep_their_own_text()
    {
        var cache = new ClassificationCache(new SqlClassifier());

        var first = cache.ClassifyQuery("DELETE FROM orders WHERE id = 1;"u8);
        var second = cache.ClassifyQuery("DELETE FROM orders WHERE id = 987654;"u8);

        var statement = Assert.Single(second.Statements);
        Assert.Equal("DELETE FROM orders WHERE id = 987654", statement.Text);
        Assert.Equal(first.Statements[0].Classes, statement.Classes);
        Assert.Equal(StatementClass.Write, statement.Classes & StatementClass.Write);
        Assert.Equal(first.Statements[0].Tables, statement.Tables);
        Assert.Same(first.Statements[0].Tables, statement.Tables);
    }

    [Fact]
    public void A_different_statement_with_the_same_numbers_is_parsed_on_its_own()
    {
        var cache = new ClassificationCache(new SqlClassifier());

        cache.ClassifyQuery("SELECT * FROM orders WHERE id = 1"u8);
        var delete = cache.ClassifyQuery("SELECT * FROM orders WHERE id = 1 FOR UPDATE"u8);

        Assert.Equal(StatementClass.Write, delete.Classes & StatementClass.Write);
    }

    [Fact]
    public void Smuggling_through_quotes_is_never_served_from_a_shape()
    {
        var cache = new ClassificationCache(new SqlClassifier());

        cache.ClassifyQuery("SELECT 1"u8);
        var smuggled = cache.ClassifyQuery("SELECT 1; DELETE FROM t"u8);

        Assert.Equal(2, smuggled.Statements.Count);
        Assert.Equal(StatementClass.Write, smuggled.Classes & StatementClass.Write);
    }
}
