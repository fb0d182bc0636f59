using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Configuration;

namespace TicketGate.Tests.Masking;

public sealed class MaskingConfigurationTests : IDisposable
{
    private readonly ConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_connection_reads_its_column_rules_detectors_style_and_strictness()
    {
        var key = _folder.WriteFile("masking.key", "0123456789abcdef0123456789abcdef\n");
        var options = Load(_folder.ValidYaml() + $$"""

                masking:
                  columns: { public.customers.card_number: last4, sales.leads.email: hash, public.customers.ssn: full }
                  detectors: [card, email, jwt]
                  style: hash
                  strict: true
            masking_key: { file: {{key}} }
            """);

        var masking = options.Connections["shop-prod"].Masking;
        Assert.Equal(
            [new ColumnMask("public", "customers", "card_number", MaskStyle.LastFour), new ColumnMask("sales", "leads", "email", MaskStyle.Hash),
             new ColumnMask("public", "customers", "ssn", MaskStyle.Full)],
            masking.Columns);
        Assert.Equal(SensitiveDataKinds.Card | SensitiveDataKinds.Email | SensitiveDataKinds.Jwt, masking.Detectors);
        Assert.Equal(MaskStyle.Hash, masking.Style);
        Assert.True(masking.Strict);
        Assert.Equal(key, options.MaskingKey?.File);
    }

    [Fact]
    public void Mistakes_in_a_masking_section_are_reported_with_what_to_write()
    {
        var e = Fails(_folder.ValidYaml() + """

                masking:
                  columns: { customers.card_number: last4, public.customers.email: scramble }
                  detectors: [cards]
                  colour: red
            """);

        Assert.Contains("'customers.card_number' is not a column; write schema.table.column", e.Message, StringComparison.Ordinal);
        Assert.Contains("'scramble' is not a masking style; use full, last4 or hash", e.Message, StringComparison.Ordinal);
        Assert.Contains("'cards' is not a detector", e.Message, StringComparison.Ordinal);
        Assert.Contains("colour", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hash_style_needs_a_masking_key()
    {
        var e = Fails(_folder.ValidYaml() + """

                masking:
                  columns: { public.customers.email: hash }
            """);

        Assert.Contains("masking_key", e.Message, StringComparison.Ordinal);
        Assert.Contains("connection 'shop-prod' masks with style hash", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recording_options_are_read_and_checked()
    {
        var options = Load(_folder.ValidYaml() + """

            recording: { enabled: false, max_bytes_per_session: 1000, flush_interval: 1s }
            """);
        var e = Fails(_folder.ValidYaml() + """

            recording: { batch_size: 100, queue_capacity: 10 }
            """);

        Assert.False(options.Recording.Enabled);
        Assert.Equal(1000, options.Recording.MaxBytesPerSession);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Recording.FlushInterval);
        Assert.Contains("larger than queue_capacity", e.Message, StringComparison.Ordinal);
    }

    private TicketGateOptions Load(string yaml) => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", _folder.Path);

    private ConfigurationException Fails(string yaml) =>
        Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", _folder.Path));
}
