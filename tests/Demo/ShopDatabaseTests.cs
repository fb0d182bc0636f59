using System.Text.RegularExpressions;
using Npgsql;
using TicketGate.Proxy.Demo;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Demo;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class ShopDatabaseTests(PostgresClusterFixture postgres)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Seeded_shop_has_customers_orders_and_payments()
    {
        var cluster = await postgres.ClusterAsync();

        await ShopDatabase.EnsureCreatedAsync(cluster, Cancellation);

        Assert.Equal(300L, await ScalarAsync("SELECT count(*) FROM customers"));
        Assert.Equal(600L, await ScalarAsync("SELECT count(*) FROM orders"));
        Assert.Equal(500L, await ScalarAsync("SELECT count(*) FROM payments"));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.amount <> o.total"));
    }

    [Fact]
    public async Task Second_run_changes_nothing()
    {
        var cluster = await postgres.ClusterAsync();
        var first = await ShopDatabase.EnsureCreatedAsync(cluster, Cancellation);
        var fingerprint = await FingerprintAsync();
        var password = await File.ReadAllTextAsync(first.PasswordFile, Cancellation);

        var second = await ShopDatabase.EnsureCreatedAsync(cluster, Cancellation);

        Assert.False(second.Created);
        Assert.Equal(fingerprint, await FingerprintAsync());
        Assert.Equal(password, await File.ReadAllTextAsync(second.PasswordFile, Cancellation));
    }

    [Fact]
    public async Task Upstream_role_logs_in_with_psql_using_the_password_file()
    {
        var cluster = await postgres.ClusterAsync();
        var shop = await ShopDatabase.EnsureCreatedAsync(cluster, Cancellation);
        var password = (await File.ReadAllTextAsync(shop.PasswordFile, Cancellation)).Trim();

        var result = await postgres.RunPsqlAsync(
            [.. postgres.PsqlConnectionArguments(shop.Database, shop.Role), "-XAtc",
             "SELECT current_user || ' ' || (SELECT count(*) FROM customers) || ' ' || " +
             "(SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public')"],
            new Dictionary<string, string?> { ["PGPASSWORD"] = password });

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("ticketgate_shop 300 ticketgate_shop", result.StandardOutput.Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(shop.PasswordFile));
        Assert.StartsWith("SCRAM-SHA-256$", (string)(await ScalarAsync(
            $"SELECT rolpassword FROM pg_authid WHERE rolname = '{ShopDatabase.UpstreamRole}'"))!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upstream_role_can_change_the_schema()
    {
        var cluster = await postgres.ClusterAsync();
        var shop = await ShopDatabase.EnsureCreatedAsync(cluster, Cancellation);
        var password = (await File.ReadAllTextAsync(shop.PasswordFile, Cancellation)).Trim();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(shop.Database, shop.Role, password));
        await connection.OpenAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);

        await using var ddl = new NpgsqlCommand(
            "ALTER TABLE customers ADD COLUMN loyalty_tier text; CREATE TABLE coupons (code text); " +
            "UPDATE customers SET loyalty_tier = 'gold' WHERE id = 1; DELETE FROM payments WHERE id = 1", connection, transaction);
        await ddl.ExecuteNonQueryAsync(Cancellation);

        await transaction.RollbackAsync(Cancellation);
    }

    [Fact]
    public async Task Fake_personal_data_looks_real_enough_to_be_masked()
    {
        var cluster = await postgres.ClusterAsync();
        await ShopDatabase.EnsureCreatedAsync(cluster, Cancellation);
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(ShopDatabase.DatabaseName));
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand("SELECT email, card_number, national_id, phone FROM customers", connection);
        await using var reader = await command.ExecuteReaderAsync(Cancellation);

        var rows = 0;
        while (await reader.ReadAsync(Cancellation))
        {
            rows++;
            Assert.Matches(EmailPattern(), reader.GetString(0));
            Assert.True(ShopFakeData.PassesLuhn(reader.GetString(1)), reader.GetString(1));
            Assert.Matches(SsnPattern(), reader.GetString(2));
            Assert.Matches(PhonePattern(), reader.GetString(3));
        }
        Assert.Equal(300, rows);
    }

    [Fact]
    public void Fake_data_is_the_same_on_every_run()
    {
        var first = ShopFakeData.Generate();
        var second = ShopFakeData.Generate();

        Assert.Equal(first.Customers, second.Customers);
        Assert.Equal(first.Orders, second.Orders);
        Assert.Equal(first.Payments, second.Payments);
        Assert.Equal(300, first.Customers.Select(c => c.Email).Distinct().Count());
    }

    private async Task<string> FingerprintAsync() => (string)(await ScalarAsync("""
        SELECT md5(
            (SELECT string_agg(c::text, '|' ORDER BY id) FROM customers c) ||
            (SELECT string_agg(o::text, '|' ORDER BY id) FROM orders o) ||
            (SELECT string_agg(p::text, '|' ORDER BY id) FROM payments p) ||
            (SELECT rolpassword FROM pg_authid WHERE rolname = 'ticketgate_shop'))
        """))!;

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(ShopDatabase.DatabaseName));
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Cancellation);
    }

    [GeneratedRegex(@"^[a-z]+\.[a-z]+\d+@example\.com$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")]
    private static partial Regex SsnPattern();

    [GeneratedRegex(@"^\+1-\d{3}-555-01\d{2}$")]
    private static partial Regex PhonePattern();
}
