using Npgsql;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres;

/// <summary>COPY out is a read and streams through; COPY in is a write: held, and its data flows only once approved.</summary>
public sealed class CopyTests(PostgresClusterFixture postgres) : GatewayTest(postgres)
{
    [Fact]
    public async Task Psql_copy_to_stdout_passes_without_a_hold()
    {
        var result = await PsqlAsync("\\copy items TO STDOUT");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(10, result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("1\titem 1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(await Gateway.RequestsAsync());
    }

    [Fact]
    public async Task Npgsql_text_export_passes_without_a_hold()
    {
        await using var connection = await Gateway.OpenAsync();
        using (var export = await connection.BeginTextExportAsync("COPY items TO STDOUT"))
        {
            var text = await export.ReadToEndAsync();
            Assert.Equal(10, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        Assert.Empty(await Gateway.RequestsAsync());
    }

    [Fact]
    public async Task Npgsql_text_import_is_held_and_its_rows_land_after_approval()
    {
        await using var connection = await Gateway.OpenAsync();
        var import = Task.Run(async () =>
        {
            await using var writer = await connection.BeginTextImportAsync("COPY items FROM STDIN");
            await writer.WriteAsync("11\timported 11\n12\timported 12\n");
        });

        var request = await Gateway.WaitForPendingAsync();
        Assert.Equal("COPY items FROM STDIN", request.Request.Command);
        await Gateway.ApproveAsync(request.Request.Id);
        await import;

        Assert.Equal(2, await Gateway.CountItemsAsync("name LIKE 'imported %'"));
    }

    [Fact]
    public async Task Psql_copy_from_a_file_is_held_and_its_rows_land_after_approval()
    {
        var file = Path.Combine(Gateway.Folder, "rows.tsv");
        await File.WriteAllTextAsync(file, "21\tfrom file 21\n22\tfrom file 22\n23\tfrom file 23\n");
        var psql = PsqlAsync($"\\copy items FROM '{file}'");

        var request = await Gateway.WaitForPendingAsync();
        await Gateway.ApproveAsync(request.Request.Id);
        var result = await psql;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("COPY 3", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(3, await Gateway.CountItemsAsync("name LIKE 'from file %'"));
    }

    [Fact]
    public async Task Rejected_copy_from_changes_nothing()
    {
        await using var connection = await Gateway.OpenAsync();
        var import = Task.Run(async () =>
        {
            await using var writer = await connection.BeginTextImportAsync("COPY items FROM STDIN");
            await writer.WriteAsync("31\tnever\n");
        });

        var request = await Gateway.WaitForPendingAsync();
        await Gateway.RejectAsync(request.Request.Id, "no imports today");
        var error = await Assert.ThrowsAsync<PostgresException>(() => import);

        Assert.Equal("42501", error.SqlState);
        Assert.Equal(10, await Gateway.CountItemsAsync());
        await using var check = new NpgsqlCommand("SELECT count(*) FROM items", connection);
        Assert.Equal(10L, await check.ExecuteScalarAsync());
    }
}
