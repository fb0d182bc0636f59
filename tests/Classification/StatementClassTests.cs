using TicketGate.Proxy.Classification;

namespace TicketGate.Tests.Classification;

/// <summary>Each class, shown with real SQL: the statement must carry exactly the expected classes.</summary>
public class StatementClassTests
{
    private const StatementClass R = StatementClass.Read;
    private const StatementClass W = StatementClass.Write;
    private const StatementClass D = StatementClass.Ddl;
    private const StatementClass P = StatementClass.Privilege;
    private const StatementClass A = StatementClass.Admin;
    private const StatementClass O = StatementClass.Opaque;

    private static readonly SqlClassifier Classifier = new(["app.audit_view", "pgcrypto_digest"]);

    [Theory]
    [InlineData("SELECT * FROM orders WHERE id = $1")]
    [InlineData("VALUES (1, 'a'), (2, 'b')")]
    [InlineData("TABLE orders")]
    [InlineData("SELECT a FROM t UNION ALL SELECT b FROM u")]
    [InlineData("SHOW search_path")]
    [InlineData("EXPLAIN SELECT * FROM orders")]
    [InlineData("EXPLAIN DELETE FROM orders")]
    [InlineData("EXPLAIN (ANALYZE false, COSTS off) UPDATE orders SET a = 1")]
    [InlineData("EXPLAIN ANALYZE SELECT count(*) FROM orders")]
    [InlineData("BEGIN")]
    [InlineData("START TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY")]
    [InlineData("COMMIT")]
    [InlineData("ROLLBACK")]
    [InlineData("SAVEPOINT s1")]
    [InlineData("ROLLBACK TO SAVEPOINT s1")]
    [InlineData("RELEASE SAVEPOINT s1")]
    [InlineData("SET statement_timeout = '5s'")]
    [InlineData("SET LOCAL search_path TO app, public")]
    [InlineData("SET TRANSACTION READ ONLY")]
    [InlineData("RESET statement_timeout")]
    [InlineData("RESET ALL")]
    [InlineData("SET CONSTRAINTS ALL DEFERRED")]
    [InlineData("DISCARD ALL")]
    [InlineData("DEALLOCATE ALL")]
    [InlineData("LISTEN jobs")]
    [InlineData("UNLISTEN *")]
    [InlineData("PREPARE q(int) AS SELECT * FROM orders WHERE id = $1")]
    [InlineData("COPY orders TO STDOUT WITH (FORMAT csv)")]
    [InlineData("COPY (SELECT * FROM orders) TO STDOUT")]
    [InlineData("DECLARE c CURSOR FOR SELECT * FROM orders")]
    [InlineData("FETCH 10 FROM c")]
    [InlineData("CLOSE c")]
    [InlineData("SELECT count(*), sum(amount), avg(amount), string_agg(note, ','), now(), current_timestamp FROM orders")]
    [InlineData("SELECT coalesce(a, b), nullif(a, 0), greatest(a, b), least(a, b), a::text, cast(b AS int) FROM t")]
    [InlineData("SELECT row_number() OVER (ORDER BY id), lag(amount) OVER w FROM orders WINDOW w AS (ORDER BY id)")]
    [InlineData("SELECT jsonb_build_object('a', 1) -> 'a', to_char(now(), 'YYYY'), md5('x'), gen_random_uuid(), version()")]
    [InlineData("SELECT * FROM generate_series(1, 10) g, unnest(ARRAY[1, 2]) u")]
    [InlineData("SELECT pg_catalog.pg_get_userbyid(relowner), pg_catalog.format_type(atttypid, atttypmod) FROM pg_class, pg_attribute")]
    [InlineData("SELECT set_config('search_path', 'app', false)")]
    [InlineData("SELECT current_setting('work_mem')")]
    [InlineData("SELECT extract(year FROM now()), substring(note FROM 1 FOR 3), trim(both ' ' FROM note) FROM orders")]
    [InlineData("SELECT app.audit_view(1), pgcrypto_digest('x')")]
    public void Reads_are_read_only(string sql) => AssertClasses(sql, R);

    [Theory]
    [InlineData("INSERT INTO orders (id) VALUES (1)", W)]
    [InlineData("INSERT INTO orders SELECT * FROM staging", W | R)]
    [InlineData("INSERT INTO orders VALUES ((SELECT max(id) + 1 FROM orders))", W | R)]
    [InlineData("UPDATE orders SET amount = 0 WHERE id = 1", W)]
    [InlineData("DELETE FROM orders WHERE id = 1", W)]
    [InlineData("MERGE INTO orders o USING staging s ON o.id = s.id WHEN MATCHED THEN UPDATE SET amount = s.amount", W)]
    [InlineData("WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d", R | W)]
    [InlineData("SELECT * FROM (SELECT 1) x WHERE EXISTS (SELECT 1 FROM orders FOR SHARE)", R | W)]
    [InlineData("SELECT * FROM orders FOR NO KEY UPDATE", R | W)]
    [InlineData("SELECT * FROM orders FOR KEY SHARE SKIP LOCKED", R | W)]
    [InlineData("SELECT * INTO orders_copy FROM orders", R | W | D)]
    [InlineData("CREATE TABLE orders_copy AS SELECT * FROM orders", W | D | R)]
    [InlineData("CREATE MATERIALIZED VIEW mv AS SELECT 1", W | D | R)]
    [InlineData("REFRESH MATERIALIZED VIEW mv", W)]
    [InlineData("TRUNCATE orders", W)]
    [InlineData("COPY orders FROM STDIN", W)]
    [InlineData("NOTIFY jobs, 'go'", W)]
    [InlineData("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", W)]
    [InlineData("SELECT nextval('orders_id_seq')", R | W)]
    [InlineData("SELECT pg_catalog.setval('orders_id_seq', 1)", R | W)]
    [InlineData("SELECT lo_unlink(1234)", R | W)]
    [InlineData("SELECT pg_notify('jobs', 'go')", R | W)]
    [InlineData("PREPARE p AS DELETE FROM orders", R | W)]
    [InlineData("EXPLAIN ANALYZE DELETE FROM orders", R | W)]
    [InlineData("EXPLAIN (ANALYZE, BUFFERS) UPDATE orders SET amount = 1", R | W)]
    [InlineData("EXPLAIN ANALYSE DELETE FROM orders", R | W)]
    [InlineData("EXPLAIN (ANALYSE on) DELETE FROM orders", R | W)]
    [InlineData("EXPLAIN (ANALYZE 1) DELETE FROM orders", R | W)]
    [InlineData("COPY (DELETE FROM orders RETURNING *) TO STDOUT", R | W)]
    public void Writes_carry_write(string sql, StatementClass expected) => AssertClasses(sql, expected);

    [Theory]
    [InlineData("CREATE TABLE orders (id int PRIMARY KEY, note text)")]
    [InlineData("ALTER TABLE orders ADD COLUMN paid bool")]
    [InlineData("DROP TABLE orders")]
    [InlineData("CREATE INDEX orders_note ON orders (note)")]
    [InlineData("DROP INDEX orders_note")]
    [InlineData("CREATE SEQUENCE s")]
    [InlineData("ALTER SEQUENCE s RESTART")]
    [InlineData("CREATE SCHEMA app")]
    [InlineData("DROP SCHEMA app CASCADE")]
    [InlineData("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'")]
    [InlineData("CREATE TYPE mood AS ENUM ('sad', 'ok')")]
    [InlineData("ALTER TYPE mood ADD VALUE 'happy'")]
    [InlineData("CREATE EXTENSION pgcrypto")]
    [InlineData("CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()")]
    [InlineData("COMMENT ON TABLE orders IS 'customer orders'")]
    [InlineData("ALTER TABLE orders RENAME TO purchases")]
    [InlineData("ALTER TABLE orders SET SCHEMA archive")]
    [InlineData("CREATE DOMAIN posint AS int CHECK (VALUE > 0)")]
    [InlineData("CREATE PUBLICATION pub FOR TABLE orders")]
    public void Schema_changes_are_ddl(string sql) => AssertClasses(sql, D);

    [Theory]
    [InlineData("CREATE VIEW v AS SELECT * FROM orders", D | R)]
    [InlineData("CREATE SCHEMA app CREATE TABLE t (id int)", D)]
    [InlineData("ALTER TABLE orders OWNER TO bob", D | P)]
    [InlineData("ALTER TABLE orders ENABLE ROW LEVEL SECURITY", D | P)]
    [InlineData("ALTER FUNCTION f() OWNER TO bob", D | P)]
    [InlineData("CREATE POLICY p ON orders USING (true)", D | P)]
    [InlineData("DROP POLICY p ON orders", D | P)]
    [InlineData("CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", D | A)]
    public void Schema_changes_that_touch_more_carry_both(string sql, StatementClass expected) => AssertClasses(sql, expected);

    [Theory]
    [InlineData("GRANT SELECT ON orders TO bob")]
    [InlineData("GRANT ALL ON ALL TABLES IN SCHEMA public TO bob")]
    [InlineData("REVOKE INSERT ON orders FROM bob")]
    [InlineData("GRANT admins TO bob")]
    [InlineData("REVOKE admins FROM bob")]
    [InlineData("CREATE ROLE bob LOGIN PASSWORD 'x'")]
    [InlineData("CREATE USER bob")]
    [InlineData("CREATE GROUP admins")]
    [InlineData("ALTER ROLE bob SUPERUSER")]
    [InlineData("ALTER USER bob WITH PASSWORD 'y'")]
    [InlineData("ALTER ROLE bob SET search_path = app")]
    [InlineData("DROP ROLE bob")]
    [InlineData("DROP USER IF EXISTS bob")]
    [InlineData("ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO bob")]
    [InlineData("REASSIGN OWNED BY bob TO alice")]
    [InlineData("DROP OWNED BY bob")]
    public void Access_changes_are_privilege(string sql) => AssertClasses(sql, P);

    [Theory]
    [InlineData("COPY orders TO PROGRAM 'gzip > /tmp/o.gz'", R | A)]
    [InlineData("COPY orders FROM '/etc/passwd'", W | A)]
    [InlineData("COPY (SELECT 1) TO '/tmp/x'", R | A)]
    [InlineData("ALTER SYSTEM SET work_mem = '1GB'", A)]
    [InlineData("SET ROLE postgres", R | A)]
    [InlineData("SET LOCAL ROLE postgres", R | A)]
    [InlineData("RESET ROLE", R | A)]
    [InlineData("SET SESSION AUTHORIZATION bob", R | A)]
    [InlineData("RESET SESSION AUTHORIZATION", R | A)]
    [InlineData("select set_config('role', 'bob', false)", R | A)]
    [InlineData("select set_config('ROLE', 'bob', false)", R | A)]
    [InlineData("select set_config('session_authorization', 'bob', false)", R | A)]
    [InlineData("select set_config(name, 'x', false) FROM settings", R | A)]
    [InlineData("SELECT pg_terminate_backend(1)", R | A)]
    [InlineData("SELECT pg_catalog.pg_cancel_backend(pid) FROM pg_stat_activity", R | A)]
    [InlineData("SELECT pg_reload_conf()", R | A)]
    [InlineData("SELECT pg_read_file('/etc/passwd')", R | A)]
    [InlineData("SELECT * FROM pg_ls_dir('.')", R | A)]
    [InlineData("SELECT pg_ls_waldir()", R | A)]
    [InlineData("SELECT lo_import('/etc/passwd')", R | A)]
    [InlineData("SELECT pg_switch_wal()", R | A)]
    [InlineData("SELECT pg_create_logical_replication_slot('s', 'pgoutput')", R | A)]
    [InlineData("SELECT pg_replication_origin_create('o')", R | A)]
    [InlineData("SELECT * FROM dblink('host=x', 'DELETE FROM t') AS r(x int)", R | A)]
    [InlineData("SELECT public.dblink_exec('host=x', 'DROP TABLE t')", R | A)]
    [InlineData("LOAD 'auto_explain'", A)]
    [InlineData("CHECKPOINT", A)]
    [InlineData("VACUUM FULL orders", A)]
    [InlineData("ANALYZE orders", A)]
    [InlineData("REINDEX TABLE orders", A)]
    [InlineData("CLUSTER orders USING orders_pkey", A)]
    [InlineData("CREATE DATABASE scratch", A)]
    [InlineData("DROP DATABASE scratch", A)]
    [InlineData("ALTER DATABASE app SET work_mem = '1GB'", A)]
    [InlineData("CREATE TABLESPACE fast LOCATION '/ssd'", A)]
    [InlineData("DROP TABLESPACE fast", A)]
    [InlineData("SECURITY LABEL FOR selinux ON TABLE orders IS 'system_u:object_r:sepgsql_table_t:s0'", A)]
    [InlineData("IMPORT FOREIGN SCHEMA remote FROM SERVER s INTO local", A | D)]
    public void Server_operations_are_admin(string sql, StatementClass expected) => AssertClasses(sql, expected);

    [Theory]
    [InlineData("DO $$BEGIN RAISE NOTICE 'hi'; END$$", O)]
    [InlineData("CALL p()", O)]
    [InlineData("CALL app.archive_orders(30)", O)]
    [InlineData("EXECUTE p", O)]
    [InlineData("EXECUTE p(1, 'x')", O)]
    [InlineData("SELECT my_func()", R | O)]
    [InlineData("SELECT * FROM my_table_func(1)", R | O)]
    [InlineData("SELECT other.audit_view(1)", R | O)]
    [InlineData("SELECT app.count(*) FROM t", R | O)]
    [InlineData("SELECT \"Count\"(*) FROM t", R | O)]
    [InlineData("EXPLAIN SELECT my_func()", R | O)]
    [InlineData("EXPLAIN EXECUTE p", R | O)]
    [InlineData("DO LANGUAGE plpython3u $$ import os $$", O)]
    public void Code_the_tree_cannot_see_into_is_opaque(string sql, StatementClass expected) => AssertClasses(sql, expected);

    [Fact]
    public void Statement_kind_is_the_parse_tree_node()
    {
        var statements = Classifier.Classify("SELECT 1; DELETE FROM t; GRANT SELECT ON t TO bob").Statements;

        Assert.Equal(["SelectStmt", "DeleteStmt", "GrantStmt"], statements.Select(s => s.Kind));
    }

    [Fact]
    public void Classes_of_the_message_are_the_union_of_its_statements()
    {
        var classification = Classifier.Classify("SELECT 1; TRUNCATE t; VACUUM t");

        Assert.Equal(R | W | A, classification.Classes);
        Assert.True(classification.Parsed);
    }

    [Fact]
    public void Note_says_why_a_select_is_held()
    {
        var statement = Classifier.Classify("SELECT pg_terminate_backend(42)").Statements[0];

        Assert.Equal(StatementClass.Admin, statement.Primary);
        Assert.Contains("pg_terminate_backend", statement.Note);
    }

    private static void AssertClasses(string sql, StatementClass expected)
    {
        var classification = Classifier.Classify(sql);
        Assert.True(classification.Parsed, classification.ParseError);
        var statement = Assert.Single(classification.Statements);
        Assert.Equal(expected, statement.Classes);
    }
}
