using Npgsql;

namespace TicketGate.Tests.Fixtures;

public sealed class PostgresClusterFixtureTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Shared_cluster_answers_queries_on_its_own_database()
    {
        var (name, connectionString) = await postgres.CreateUniqueDatabaseAsync("fixture");

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);

        Assert.Equal(name, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Real_psql_logs_in_with_a_scram_password()
    {
        var role = PostgresClusterFixture.UniqueName("psql_user");
        await postgres.CreateLoginRoleAsync(role, "s3cret 'quoted' pass");

        var result = await postgres.RunPsqlAsync(
            [.. postgres.PsqlConnectionArguments("postgres", role), "-XAtc", "SELECT current_user"],
            new Dictionary<string, string?> { ["PGPASSWORD"] = "s3cret 'quoted' pass" });

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(role, result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Wrong_password_is_refused_by_psql()
    {
        var role = PostgresClusterFixture.UniqueName("psql_user");
        await postgres.CreateLoginRoleAsync(role, "right");

        var result = await postgres.RunPsqlAsync(
            [.. postgres.PsqlConnectionArguments("postgres", role), "-XAtc", "SELECT 1"],
            new Dictionary<string, string?> { ["PGPASSWORD"] = "wrong" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("password authentication failed", result.StandardError, StringComparison.Ordinal);
    }
}
