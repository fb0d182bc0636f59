using System.Net.Sockets;
using Npgsql;

namespace TicketGate.Workflows.Storage;

/// <summary>
/// TicketGate's own database (schema <c>ticketgate</c>): the approval requests, the audit log and, later, workflow state.
/// Brings the schema up to date with the migrations each component contributes.
/// </summary>
public sealed class StateDatabase
{
    /// <summary>Key of the transaction-scoped advisory lock that serialises migrations across TicketGate processes.</summary>
    private const long MigrationLockKey = 0x5469636b_65744761; // "TicketGa"

    private readonly IReadOnlyList<IStateMigrations> sources;

    public StateDatabase(NpgsqlDataSource dataSource, IEnumerable<IStateMigrations> migrations)
    {
        DataSource = dataSource;
        sources = [.. migrations];
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>"host:port" of the database, for messages.</summary>
    public string Endpoint => Describe(DataSource);

    /// <summary>
    /// Applies every migration not yet recorded in <c>ticketgate.schema_migrations</c>, in the order of the sources given
    /// and, within a source, in its own order. One transaction holds an advisory lock for the whole run, so two processes
    /// starting together apply each migration once, and a failure leaves the schema as it was.
    /// </summary>
    /// <returns>The ids applied by this call; empty when the schema was already current.</returns>
    /// <exception cref="StateDatabaseUnreachableException">The database can't be reached or refused the login.</exception>
    /// <exception cref="StateMigrationFailedException">A migration's SQL failed; the exception names it.</exception>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        var ordered = Ordered();
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var command = new NpgsqlCommand(
            """
            SELECT pg_advisory_xact_lock(@key);
            CREATE SCHEMA IF NOT EXISTS ticketgate;
            CREATE TABLE IF NOT EXISTS ticketgate.schema_migrations (
                id text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = await ReadAppliedIdsAsync(connection, transaction, cancellationToken);
        var appliedNow = new List<string>();
        foreach (var migration in ordered)
        {
            if (applied.Contains(migration.Id)) continue;
            try
            {
                await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                await using (var record = new NpgsqlCommand(
                    "INSERT INTO ticketgate.schema_migrations (id) VALUES (@id)", connection, transaction))
                {
                    record.Parameters.AddWithValue("id", migration.Id);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            catch (PostgresException e)
            {
                throw new StateMigrationFailedException(migration.Id,
                    $"Migration '{migration.Id}' of TicketGate's state database at {Endpoint} failed: {e.SqlState}: {e.MessageText}. " +
                    "No migration of this run was applied; fix the database (or the migration) and start TicketGate again.", e);
            }
            appliedNow.Add(migration.Id);
        }

        await transaction.CommitAsync(cancellationToken);
        return appliedNow;
    }

    /// <summary>The migrations recorded as applied, oldest first; empty when the schema was never created.</summary>
    public async Task<IReadOnlyList<(string Id, DateTimeOffset AppliedAt)>> ListAppliedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT id, applied_at FROM ticketgate.schema_migrations ORDER BY applied_at, id
            """, connection);
        var result = new List<(string, DateTimeOffset)>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                result.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return [];
        }
        return result;
    }

    /// <summary>Opens a connection, turning a failure to connect into a message the person running TicketGate can act on.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await DataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            throw new StateDatabaseUnreachableException(
                $"TicketGate's state database at {Endpoint} is unreachable: it refused the connection ({e.SqlState}: {e.MessageText}). " +
                "Check the database name, user and password in state_database.", e);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw new StateDatabaseUnreachableException(
                $"TicketGate's state database at {Endpoint} is unreachable: {Innermost(e).Message}. " +
                "Check that PostgreSQL is running there and that state_database names the right host and port.", e);
        }
    }

    public static string Describe(NpgsqlDataSource dataSource)
    {
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return $"{builder.Host}:{builder.Port}";
    }

    private List<StateMigration> Ordered()
    {
        var ordered = new List<StateMigration>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            foreach (var migration in source.Migrations)
            {
                if (!seen.Add(migration.Id))
                {
                    throw new InvalidOperationException(
                        $"Two state migrations share the id '{migration.Id}'; each component must prefix its own ids.");
                }
                ordered.Add(migration);
            }
        }
        return ordered;
    }

    private static async Task<HashSet<string>> ReadAppliedIdsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT id FROM ticketgate.schema_migrations", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(reader.GetString(0));
        }
        return applied;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
