using Npgsql;
using NpgsqlTypes;
using TicketGate.Proxy.Hosting.LocalPostgres;

namespace TicketGate.Proxy.Demo;

/// <summary>Where the gateway finds the demo shop, and as whom it logs in upstream.</summary>
/// <param name="Created">True when this call created the tables and rows; false when they were already there.</param>
public sealed record ShopUpstream(string Host, int Port, string Database, string Role, string PasswordFile, bool Created);

/// <summary>
/// The demo's <c>shop</c> database: customers, orders and payments full of fake personal data, owned by the login role
/// the gateway uses upstream. Creating it twice changes nothing.
/// </summary>
public static class ShopDatabase
{
    public const string DatabaseName = "shop";
    public const string UpstreamRole = "ticketgate_shop";

    // Serialises concurrent seeders (two demos over one cluster) on the shop database itself.
    private const long SeedLockKey = 0x5449434B_53484F50; // "TICKSHOP"

    private const string Schema = """
        CREATE TABLE customers (
            id          serial PRIMARY KEY,
            name        text NOT NULL,
            email       text NOT NULL UNIQUE,
            card_number text NOT NULL,
            national_id text NOT NULL,
            phone       text NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE orders (
            id          serial PRIMARY KEY,
            customer_id integer NOT NULL REFERENCES customers (id),
            total       numeric(10,2) NOT NULL CHECK (total >= 0),
            status      text NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX orders_customer_id_idx ON orders (customer_id);
        CREATE TABLE payments (
            id          serial PRIMARY KEY,
            order_id    integer NOT NULL REFERENCES orders (id),
            card_number text NOT NULL,
            amount      numeric(10,2) NOT NULL,
            paid_at     timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX payments_order_id_idx ON payments (order_id);
        """;

    /// <summary>The upstream password file the gateway reads: <c>&lt;dataDir&gt;/secrets/shop-upstream.password</c>.</summary>
    public static string UpstreamPasswordFile(string dataDirectory) =>
        Path.Combine(dataDirectory, "secrets", "shop-upstream.password");

    /// <summary>
    /// Creates the upstream role (password generated once into <see cref="UpstreamPasswordFile"/>), the database it owns,
    /// and the seeded tables, each only if missing. The cluster must be running.
    /// </summary>
    public static async Task<ShopUpstream> EnsureCreatedAsync(LocalPostgresCluster cluster, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var passwordFile = UpstreamPasswordFile(cluster.DataDirectory);
        var (password, passwordIsNew) = SecretFile.ReadOrCreate(passwordFile);

        await EnsureRoleAsync(cluster, password, passwordIsNew, cancellationToken).ConfigureAwait(false);
        await cluster.CreateDatabaseAsync(DatabaseName, owner: UpstreamRole, cancellationToken).ConfigureAwait(false);
        var created = await EnsureTablesAsync(cluster, cancellationToken).ConfigureAwait(false);
        return new ShopUpstream("127.0.0.1", cluster.Port, DatabaseName, UpstreamRole, passwordFile, created);
    }

    private static async Task EnsureRoleAsync(LocalPostgresCluster cluster, string password, bool passwordIsNew, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var lookup = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = $1", connection);
        lookup.Parameters.Add(new NpgsqlParameter { Value = UpstreamRole });
        var exists = await lookup.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        // An existing role keeps its password unless the file was lost and regenerated: re-hashing would change nothing useful.
        if (!exists || passwordIsNew)
            await cluster.EnsureLoginRoleAsync(UpstreamRole, password, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> EnsureTablesAsync(LocalPostgresCluster cluster, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(DatabaseName));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({SeedLockKey})", cancellationToken).ConfigureAwait(false);
        var present = await CountExistingTablesAsync(connection, cancellationToken).ConfigureAwait(false);
        if (present == 3) return false;
        if (present != 0)
        {
            throw new InvalidOperationException(
                $"The '{DatabaseName}' database has only some of the demo tables (customers, orders, payments). " +
                $"Drop it (DROP DATABASE {DatabaseName}) and run the demo again to recreate it.");
        }

        // Created as the upstream role so it owns them and needs no further grants for DML and DDL.
        await ExecuteAsync(connection, "SET LOCAL ROLE " + UpstreamRole, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, Schema, cancellationToken).ConfigureAwait(false);
        await CopyAsync(connection, ShopFakeData.Generate(), cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, """
            SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers));
            SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders));
            SELECT setval(pg_get_serial_sequence('payments', 'id'), (SELECT max(id) FROM payments));
            """, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<long> CountExistingTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT (to_regclass('public.customers') IS NOT NULL)::int + (to_regclass('public.orders') IS NOT NULL)::int " +
            "+ (to_regclass('public.payments') IS NOT NULL)::int", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, ShopFakeData data, CancellationToken cancellationToken)
    {
        await using (var customers = await connection.BeginBinaryImportAsync(
            "COPY customers (id, name, email, card_number, national_id, phone, created_at) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var c in data.Customers)
            {
                await customers.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await customers.WriteAsync(c.Id, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await customers.WriteAsync(c.Name, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await customers.WriteAsync(c.Email, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await customers.WriteAsync(c.CardNumber, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await customers.WriteAsync(c.NationalId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await customers.WriteAsync(c.Phone, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await customers.WriteAsync(c.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }
            await customers.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var orders = await connection.BeginBinaryImportAsync(
            "COPY orders (id, customer_id, total, status, created_at) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var o in data.Orders)
            {
                await orders.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await orders.WriteAsync(o.Id, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await orders.WriteAsync(o.CustomerId, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await orders.WriteAsync(o.Total, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                await orders.WriteAsync(o.Status, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await orders.WriteAsync(o.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }
            await orders.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var payments = await connection.BeginBinaryImportAsync(
            "COPY payments (id, order_id, card_number, amount, paid_at) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var p in data.Payments)
            {
                await payments.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await payments.WriteAsync(p.Id, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await payments.WriteAsync(p.OrderId, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await payments.WriteAsync(p.CardNumber, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await payments.WriteAsync(p.Amount, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                await payments.WriteAsync(p.PaidAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }
            await payments.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
