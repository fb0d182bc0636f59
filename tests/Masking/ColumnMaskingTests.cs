using Npgsql;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Masking;

public sealed class ColumnMaskingTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private MaskedShop _shop = null!;

    public async ValueTask InitializeAsync() => _shop = await MaskedShop.StartAsync(postgres);

    public ValueTask DisposeAsync() => _shop.DisposeAsync();

    [Fact]
    public async Task Masked_columns_reach_psql_in_their_styles_and_nothing_raw_does()
    {
        var result = await _shop.PsqlAsync(postgres, "SELECT * FROM customers ORDER BY id; SELECT * FROM payments ORDER BY id", options: ["-A"]);

        MaskedShop.AssertNoSecrets(result.StandardOutput + result.StandardError, "psql's output");
        Assert.Contains("****7899", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("****4444", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("|hash:", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("customer 2", result.StandardOutput, StringComparison.Ordinal);
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
        Assert.Contains("****7899", await _shop.RecordedTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aliases_and_joins_do_not_escape_column_rules()
    {
        var result = await _shop.PsqlAsync(postgres, """
            SELECT c.card_number AS a, p.card_number AS b, c.email AS contact, c.pin AS p
            FROM customers c JOIN payments p ON p.customer_id = c.id ORDER BY c.id
            """, options: ["-At"]);

        MaskedShop.AssertNoSecrets(result.StandardOutput, "psql's output");
        var first = result.StandardOutput.Split('\n')[0].Split('|');
        Assert.Equal("****7899", first[0]);
        Assert.Equal("****7899", first[1]);
        Assert.StartsWith("hash:", first[2], StringComparison.Ordinal);
        Assert.Equal("****", first[3]);
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
    }

    [Fact]
    public async Task Hashed_values_give_the_same_token_in_every_session_so_joins_still_work()
    {
        var one = await _shop.PsqlAsync(postgres, "SELECT email FROM customers WHERE id = 2", options: ["-At"]);
        var two = await _shop.PsqlAsync(postgres, "SELECT c.email FROM payments p JOIN customers c ON c.id = p.customer_id WHERE p.id = 2", options: ["-At"]);
        var other = await _shop.PsqlAsync(postgres, "SELECT email FROM customers WHERE id = 3", options: ["-At"]);

        Assert.StartsWith("hash:", one.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(one.StandardOutput, two.StandardOutput);
        Assert.NotEqual(one.StandardOutput, other.StandardOutput);
    }

    [Fact]
    public async Task Casts_expressions_and_whole_row_text_are_caught_by_the_detectors()
    {
        var result = await _shop.PsqlAsync(postgres, """
            SELECT card_number || '', national_id::varchar(20), lower(email), phone FROM customers;
            SELECT row_to_json(c) FROM customers c;
            SELECT c::text FROM customers c;
            SELECT json_agg(c) FROM customers c;
            SELECT profile FROM customers;
            """, options: ["-At"]);

        // Whole-row text keeps the integer pin: only its column rule protects it, and a row rendered as text has no column origin.
        MaskedShop.AssertNoSecrets(result.StandardOutput, "psql's output", pins: false);
        Assert.Contains("\"tier\":\"gold\"", result.StandardOutput.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        await _shop.AssertAuditRecordingsAndLogsCleanAsync(pins: false);
    }

    [Fact]
    public async Task Errors_that_quote_a_value_are_masked()
    {
        var result = await _shop.PsqlAsync(postgres, "SELECT email::int FROM customers", mayFail: true);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("invalid input syntax for type integer", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("****", result.StandardError, StringComparison.Ordinal);
        MaskedShop.AssertNoSecrets(result.StandardError, "psql's error output");
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
    }

    [Fact]
    public async Task A_unique_violation_does_not_show_the_duplicated_key()
    {
        var psql = _shop.Gateway.PsqlAsync(postgres, _shop.Gateway.Token(),
            ["-c", $"INSERT INTO customers VALUES (9, 'copycat', '{MaskedShop.Emails[0]}', '1', '1', '1', 1)"]);
        var request = await _shop.Gateway.WaitForPendingAsync(r => r.Request.Command.Contains("copycat", StringComparison.Ordinal));
        await _shop.Gateway.ApproveAsync(request.Request.Id);
        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("duplicate key value violates unique constraint", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Key (email)=(****)", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(MaskedShop.Emails[0], result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_returned_by_returning_are_masked()
    {
        var psql = _shop.Gateway.PsqlAsync(postgres, _shop.Gateway.Token(),
            ["-At", "-c", "UPDATE customers SET name = 'renamed' WHERE id = 1 RETURNING card_number, email, national_id, notes"]);
        var request = await _shop.Gateway.WaitForPendingAsync(r => r.Request.Command.Contains("renamed", StringComparison.Ordinal));
        await _shop.Gateway.ApproveAsync(request.Request.Id);
        var result = await psql;

        Assert.Equal(0, result.ExitCode);
        MaskedShop.AssertNoSecrets(result.StandardOutput, "psql's output");
        Assert.StartsWith("****7899|hash:", result.StandardOutput, StringComparison.Ordinal);
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
    }

    [Fact]
    public async Task Copy_to_stdout_is_masked_by_the_detectors()
    {
        var result = await _shop.PsqlAsync(postgres, "COPY (SELECT id, email, card_number, national_id, phone, notes FROM customers) TO STDOUT WITH (FORMAT csv)");

        MaskedShop.AssertNoSecrets(result.StandardOutput, "COPY output");
        Assert.Contains("1,****,****,****,****", result.StandardOutput, StringComparison.Ordinal);
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
    }

    [Fact]
    public async Task Binary_results_through_npgsql_are_masked_and_a_masked_integer_becomes_null()
    {
        await using var connection = await _shop.Gateway.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT name, card_number, email, national_id, pin, notes, profile FROM customers ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var seen = new List<string>();
        while (await reader.ReadAsync())
        {
            Assert.StartsWith("customer ", reader.GetString(0), StringComparison.Ordinal);
            Assert.StartsWith("****", reader.GetString(1), StringComparison.Ordinal);
            Assert.StartsWith("hash:", reader.GetString(2), StringComparison.Ordinal);
            Assert.Equal("****", reader.GetString(3));
            Assert.True(reader.IsDBNull(4));
            seen.Add(reader.GetString(5));
            seen.Add(reader.GetString(6));
        }

        Assert.Equal(6, seen.Count);
        MaskedShop.AssertNoSecrets(string.Join('\n', seen), "Npgsql's rows");
        Assert.Contains(seen, value => value.Contains("\"tier\": \"gold\"", StringComparison.Ordinal));
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
    }

    [Fact]
    public async Task Prepared_statements_executed_without_describe_are_masked()
    {
        await using var connection = await _shop.Gateway.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT card_number, email FROM customers WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        await command.PrepareAsync();
        var values = new List<string>();
        for (var id = 1; id <= 3; id++)
        {
            command.Parameters[0].Value = id;
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            values.Add(reader.GetString(0));
            values.Add(reader.GetString(1));
        }

        MaskedShop.AssertNoSecrets(string.Join('\n', values), "Npgsql's rows");
        Assert.Equal("****7899", values[0]);
        Assert.StartsWith("hash:", values[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_of_statements_and_a_portal_read_in_pieces_are_masked_row_by_row()
    {
        await using (var connection = await _shop.Gateway.OpenAsync())
        await using (var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new("SELECT email FROM customers ORDER BY id"), new("SELECT 42, card_number FROM payments ORDER BY id") },
        })
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            var values = new List<string>();
            while (await reader.ReadAsync()) values.Add(reader.GetString(0));
            Assert.True(await reader.NextResultAsync());
            while (await reader.ReadAsync()) values.Add(reader.GetInt32(0) + " " + reader.GetString(1));
            Assert.Equal(6, values.Count);
            Assert.All(values.Take(3), v => Assert.StartsWith("hash:", v, StringComparison.Ordinal));
            Assert.Equal("42 ****7899", values[3]);
        }

        await using var client = await Postgres.WireClient.ConnectAsync(_shop.Gateway);
        await client.Parse("s", "SELECT card_number FROM customers ORDER BY id").Bind("p", "s").Describe('P', "p").Execute("p", maxRows: 2)
            .Execute("p", maxRows: 2).Sync().SendAsync();
        var rows = (await client.ReadUntilReadyAsync()).Where(m => m.Code == 'D').Select(m => m.Columns()[0]).ToList();
        Assert.Equal(MaskedShop.Cards.Select(c => "****" + c[^4..]), rows);
        await _shop.AssertAuditRecordingsAndLogsCleanAsync();
    }
}
