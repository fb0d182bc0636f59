using Npgsql;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Masking;

public sealed class StrictMaskingTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private MaskedShop _shop = null!;

    public async ValueTask InitializeAsync() => _shop = await MaskedShop.StartAsync(postgres, strict: true);

    public ValueTask DisposeAsync() => _shop.DisposeAsync();

    [Fact]
    public async Task A_masked_integer_sent_in_binary_blocks_the_response_and_the_session_goes_on()
    {
        await using var connection = await _shop.Gateway.OpenAsync();
        await using (var command = new NpgsqlCommand("SELECT name, pin FROM customers ORDER BY id", connection))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                }
            });
            Assert.Equal("42501", error.SqlState);
            Assert.Contains("withheld this result: column public.customers.pin", error.MessageText, StringComparison.Ordinal);
        }
        await using (var next = new NpgsqlCommand("SELECT count(*) FROM customers", connection))
        {
            Assert.Equal(3L, await next.ExecuteScalarAsync());
        }
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
    }

    [Fact]
    public async Task Text_results_still_pass_masked_in_strict_mode()
    {
        var result = await _shop.PsqlAsync(postgres, "SELECT * FROM customers ORDER BY id", options: ["-At"]);

        MaskedShop.AssertNoSecrets(result.StandardOutput, "psql's output");
        Assert.Contains("****7899", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Copy_of_a_table_with_masked_columns_is_blocked()
    {
        var result = await _shop.PsqlAsync(postgres, "COPY customers TO STDOUT", mayFail: true);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("TicketGate withheld this result", result.StandardError, StringComparison.Ordinal);
        MaskedShop.AssertNoSecrets(result.StandardOutput + result.StandardError, "psql's output");
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
    }

    [Fact]
    public async Task Binary_copy_is_blocked_because_it_cannot_be_inspected()
    {
        await using var connection = await _shop.Gateway.OpenAsync();
        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var export = await connection.BeginBinaryExportAsync("COPY (SELECT notes FROM customers) TO STDOUT (FORMAT BINARY)");
            while (await export.StartRowAsync() != -1) await export.ReadAsync<string>();
        });

        Assert.Equal("42501", error.SqlState);
    }
}
