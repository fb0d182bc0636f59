using TicketGate.Proxy.Classification;

namespace TicketGate.Tests.Classification;

/// <summary>Text crafted to look read-only to a naive splitter or keyword scan must not classify as read-only.</summary>
public class SmugglingTests
{
    private static readonly SqlClassifier Classifier = new();

    [Theory]
    [InlineData("SELECT 1; DELETE FROM t", StatementClass.Write)]
    [InlineData("/* ; */ DELETE FROM t", StatementClass.Write)]
    [InlineData("-- x\nDELETE FROM t", StatementClass.Write)]
    [InlineData("select 1;\r\n--;\r\nupdate t set a = 1", StatementClass.Write)]
    [InlineData("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", StatementClass.Write)]
    [InlineData("SELECT * INTO t2 FROM t", StatementClass.Ddl)]
    [InlineData("SELECT * FROM t FOR UPDATE", StatementClass.Write)]
    [InlineData("EXPLAIN ANALYZE DELETE FROM t", StatementClass.Write)]
    [InlineData("COPY t TO PROGRAM 'rm -rf /'", StatementClass.Admin)]
    [InlineData("SELECT pg_terminate_backend(1)", StatementClass.Admin)]
    [InlineData("SELECT my_func()", StatementClass.Opaque)]
    [InlineData("CALL p()", StatementClass.Opaque)]
    [InlineData("SET ROLE postgres", StatementClass.Admin)]
    [InlineData("SET SESSION AUTHORIZATION x", StatementClass.Admin)]
    [InlineData("select set_config('role','x',false)", StatementClass.Admin)]
    [InlineData("PREPARE p AS DELETE FROM t", StatementClass.Write)]
    [InlineData("EXECUTE p", StatementClass.Opaque)]
    [InlineData("SELECT (SELECT count(*) FROM (WITH x AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM x) y)", StatementClass.Write)]
    [InlineData("SELECT * FROM t WHERE a = (SELECT nextval('s'))", StatementClass.Write)]
    [InlineData("SELECT * FROM t ORDER BY pg_catalog.pg_reload_conf()", StatementClass.Admin)]
    [InlineData("SELECT 1 FROM t GROUP BY lo_export(1, '/tmp/x')", StatementClass.Admin)]
    [InlineData("SELECT CASE WHEN true THEN pg_cancel_backend(1) END", StatementClass.Admin)]
    [InlineData("SELECT ARRAY[my_func()]", StatementClass.Opaque)]
    [InlineData("DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE", StatementClass.Write)]
    [InlineData("EXPLAIN SELECT my_immutable_side_effect()", StatementClass.Opaque)]
    [InlineData("SET standard_conforming_strings = off", StatementClass.Admin)]
    [InlineData("SET standard_conforming_strings TO 0", StatementClass.Admin)]
    [InlineData("SELECT set_config('standard_conforming_strings', 'off', false)", StatementClass.Admin)]
    [InlineData("SET NAMES 'SJIS'", StatementClass.Admin)]
    [InlineData("SET client_encoding = 'BIG5'", StatementClass.Admin)]
    [InlineData("SELECT pg_catalog.set_config('client_encoding', 'GBK', true)", StatementClass.Admin)]
    [InlineData("SELECT 1 \u0000; DELETE FROM t", StatementClass.Opaque)]
    [InlineData("SELECT 1; DELETE FROM t WHERE '", StatementClass.Opaque)]
    public void Risky_text_is_not_read_only(string sql, StatementClass expectedAmong)
    {
        var classification = Classifier.Classify(sql);

        Assert.NotEqual(StatementClass.Read, classification.Classes);
        Assert.True((classification.Classes & expectedAmong) != 0, $"{sql} classified {classification.Classes}");
    }

    [Theory]
    [InlineData("/* /* */ DELETE */ SELECT 1")]
    [InlineData("SELECT 1 AS \";DELETE\"")]
    [InlineData("SELECT E'\\';DELETE FROM t'")]
    [InlineData("SELECT 'it''s; DELETE FROM t'")]
    [InlineData("SELECT $x$;DROP TABLE t;$x$")]
    [InlineData("SELECT $$ $x$ ; DROP TABLE t $$")]
    [InlineData("SELECT U&'\\0044ELETE'")]
    public void Quotes_and_comments_keep_their_content_inert(string sql)
    {
        var classification = Classifier.Classify(sql);

        Assert.True(classification.Parsed, classification.ParseError);
        var statement = Assert.Single(classification.Statements);
        Assert.Equal("SelectStmt", statement.Kind);
        Assert.Equal(StatementClass.Read, statement.Classes);
    }

    [Theory]
    [InlineData("SET standard_conforming_strings = on")]
    [InlineData("SET client_encoding = 'UTF8'")]
    [InlineData("SET NAMES 'utf-8'")]
    [InlineData("SET client_encoding TO DEFAULT")]
    [InlineData("RESET standard_conforming_strings")]
    [InlineData("SELECT set_config('client_encoding', 'UTF8', false)")]
    public void Settings_that_keep_sql_read_as_the_classifier_reads_it_are_read(string sql) =>
        Assert.Equal(StatementClass.Read, Classifier.Classify(sql).Classes);

    [Fact]
    public void Nested_block_comment_is_one_comment_as_in_postgresql()
    {
        var statement = Assert.Single(Classifier.Classify("/* /* */ DELETE */ SELECT 1").Statements);

        Assert.Equal("/* /* */ DELETE */ SELECT 1", statement.Text);
        Assert.Empty(statement.Tables);
    }

    [Fact]
    public void Statement_after_a_semicolon_is_its_own_statement()
    {
        var statements = Classifier.Classify("SELECT 1; DELETE FROM t").Statements;

        Assert.Equal(2, statements.Count);
        Assert.Equal(StatementClass.Read, statements[0].Classes);
        Assert.Equal(StatementClass.Write, statements[1].Classes);
        Assert.Equal("DELETE FROM t", statements[1].Text);
    }

    [Fact]
    public void Do_block_that_grants_is_opaque_and_privilege()
    {
        var statement = Assert.Single(Classifier.Classify("DO $$BEGIN EXECUTE 'DROP TABLE t'; GRANT ALL ON t TO x; END$$").Statements);

        Assert.Equal("DoStmt", statement.Kind);
        Assert.True(statement.Classes.HasFlag(StatementClass.Opaque));
        Assert.True(statement.Classes.HasFlag(StatementClass.Privilege));
        Assert.Equal(StatementClass.Privilege, statement.Primary);
        Assert.Contains("t", statement.Tables);
    }

    [Fact]
    public void Do_block_executing_a_constant_string_carries_that_statement_class()
    {
        var statement = Assert.Single(Classifier.Classify("DO $$BEGIN EXECUTE 'DROP TABLE t'; END$$").Statements);

        Assert.Equal(StatementClass.Opaque | StatementClass.Ddl | StatementClass.Read, statement.Classes);
    }

    [Fact]
    public void Do_block_reads_conditions_loops_and_assignments()
    {
        const string sql = """
            DO $body$
            DECLARE n int; r record;
            BEGIN
              n := pg_terminate_backend(7);
              IF (SELECT count(*) FROM orders) > 0 THEN
                INSERT INTO audit VALUES (1);
              END IF;
              FOR r IN SELECT * FROM customers LOOP
                PERFORM nextval('s');
              END LOOP;
            END
            $body$
            """;

        var statement = Assert.Single(Classifier.Classify(sql).Statements);

        Assert.Equal(StatementClass.Opaque | StatementClass.Admin | StatementClass.Write | StatementClass.Read, statement.Classes);
        Assert.Equal(["orders", "audit", "customers"], statement.Tables);
        Assert.Contains("pg_terminate_backend", statement.Functions);
    }

    [Fact]
    public void Do_block_whose_body_does_not_parse_is_still_opaque()
    {
        var classification = Classifier.Classify("DO $$BEGIN this is not plpgsql; END$$");

        Assert.True(classification.Parsed);
        var statement = Assert.Single(classification.Statements);
        Assert.Equal(StatementClass.Opaque, statement.Classes);
        Assert.Contains("could not be read", statement.Note);
    }

    [Fact]
    public void Do_block_whose_body_quotes_the_wrapper_tag_is_read_whole()
    {
        var statement = Assert.Single(Classifier.Classify("DO $x$BEGIN PERFORM '$tg$'; DELETE FROM t; END$x$").Statements);

        Assert.True(statement.Classes.HasFlag(StatementClass.Write));
    }
}
