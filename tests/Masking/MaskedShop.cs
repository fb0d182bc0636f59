using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Recording;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Masking;

/// <summary>
/// A gateway whose connection masks a small shop: customers.card_number (last four), customers.email (hash), customers.national_id
/// (full), customers.pin (an integer, full), payments.card_number (last four), with every detector on. The tests read the raw
/// values straight from the database and search the agent's output, the audit rows and the logs for them.
/// </summary>
public sealed class MaskedShop : IAsyncDisposable
{
    public static readonly string[] Cards = ["4000001234567899", "5555555555554444", "378282246310005"];
    public static readonly string[] Emails = ["ada.lovelace@example.com", "alan.turing@example.org", "grace.hopper@example.net"];
    public static readonly string[] NationalIds = ["123-45-6789", "234-56-7890", "345-67-8901"];
    public static readonly string[] Phones = ["+1-201-555-0101", "+44 20 7946 0958", "(212) 555-0199"];
    public const string Iban = "DE89370400440532013000";
    public const string AwsKey = "AKIAIOSFODNN7EXAMPLE";
    public const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    public const string PrivateKeyBody = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";
    public static readonly int[] Pins = [73019482, 58163217, 90211764];

    private MaskedShop(GatewayFixture gateway, CapturedLogs logs, string keyFile)
    {
        Gateway = gateway;
        Logs = logs;
        KeyFile = keyFile;
    }

    public GatewayFixture Gateway { get; }
    public CapturedLogs Logs { get; }
    public string KeyFile { get; }

    /// <summary>Every raw secret the shop holds: none of them may ever reach the agent, the audit or a log.</summary>
    public static IEnumerable<string> Secrets =>
        [.. Cards, .. Emails, .. NationalIds, .. Phones, Iban, AwsKey, Jwt, PrivateKeyBody];

    public static async Task<MaskedShop> StartAsync(PostgresClusterFixture postgres, bool strict = false,
        Func<TicketGateOptions, TicketGateOptions>? configure = null)
    {
        var keyFile = Path.Combine(Path.GetTempPath(), $"ticketgate-masking-key-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(keyFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        var logs = new CapturedLogs();
        var gateway = await GatewayFixture.StartAsync(postgres, options =>
        {
            var masked = WithMasking(options, new MaskingDefinition
            {
                Columns =
                [
                    new ColumnMask("public", "customers", "card_number", MaskStyle.LastFour),
                    new ColumnMask("public", "customers", "email", MaskStyle.Hash),
                    new ColumnMask("public", "customers", "national_id", MaskStyle.Full),
                    new ColumnMask("public", "customers", "pin", MaskStyle.Full),
                    new ColumnMask("public", "payments", "card_number", MaskStyle.LastFour),
                ],
                Detectors = SensitiveDataKinds.All,
                Style = MaskStyle.Full,
                Strict = strict,
            }, SecretReference.FromFile(keyFile));
            return configure is null ? masked : configure(masked);
        }, logs);
        var upstreamRole = gateway.Options.Connections[GatewayFixture.Connection].User;
        await gateway.TargetExecuteAsync($"""
            CREATE TABLE customers (
                id int PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, card_number text NOT NULL,
                national_id text NOT NULL, phone text NOT NULL, pin int NOT NULL, notes text, profile jsonb);
            CREATE TABLE payments (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, card_number text NOT NULL, amount numeric(10,2) NOT NULL);
            ALTER TABLE customers OWNER TO "{upstreamRole}";
            ALTER TABLE payments OWNER TO "{upstreamRole}";
            """);
        await using (var connection = new NpgsqlConnection(gateway.TargetConnectionString))
        {
            await connection.OpenAsync();
            for (var i = 0; i < 3; i++)
            {
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO customers VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)", connection);
                insert.Parameters.Add(new NpgsqlParameter { Value = i + 1 });
                insert.Parameters.Add(new NpgsqlParameter { Value = $"customer {i + 1}" });
                insert.Parameters.Add(new NpgsqlParameter { Value = Emails[i] });
                insert.Parameters.Add(new NpgsqlParameter { Value = Cards[i] });
                insert.Parameters.Add(new NpgsqlParameter { Value = NationalIds[i] });
                insert.Parameters.Add(new NpgsqlParameter { Value = Phones[i] });
                insert.Parameters.Add(new NpgsqlParameter { Value = Pins[i] });
                insert.Parameters.Add(new NpgsqlParameter { Value = i switch
                {
                    0 => $"pays from {Iban}; key {AwsKey}",
                    1 => $"session token {Jwt}",
                    _ => $"-----BEGIN PRIVATE KEY-----\n{PrivateKeyBody}\n-----END PRIVATE KEY-----",
                } });
                insert.Parameters.Add(new NpgsqlParameter { Value = $$"""{"backup_email": "{{Emails[i]}}", "tier": "gold"}""" });
                await insert.ExecuteNonQueryAsync();
            }
            await using var payments = new NpgsqlCommand("INSERT INTO payments SELECT id, id, card_number, 10.5 * id FROM customers", connection);
            await payments.ExecuteNonQueryAsync();
        }
        return new MaskedShop(gateway, logs, keyFile);
    }

    public static TicketGateOptions WithMasking(TicketGateOptions options, MaskingDefinition masking, SecretReference? key)
    {
        var c = options.Connections[GatewayFixture.Connection];
        var connection = new ConnectionDefinition
        {
            Name = c.Name,
            Host = c.Host,
            Port = c.Port,
            Database = c.Database,
            User = c.User,
            Password = c.Password,
            Tags = c.Tags,
            ApproverGroups = c.ApproverGroups,
            SslMode = c.SslMode,
            Masking = masking,
        };
        return options with { Connections = new Dictionary<string, ConnectionDefinition> { [connection.Name] = connection }, MaskingKey = key };
    }

    /// <summary>Runs psql against the gateway; fails the test on a non-zero exit unless <paramref name="mayFail"/>.</summary>
    public async Task<PsqlResult> PsqlAsync(PostgresClusterFixture postgres, string sql, bool mayFail = false, params string[] options)
    {
        var result = await Gateway.PsqlAsync(postgres, Gateway.Token(), [.. options, "-c", sql]);
        if (!mayFail) Assert.True(result.ExitCode == 0, $"psql failed: {result.StandardError}");
        return result;
    }

    /// <summary>Asserts that no raw secret appears in <paramref name="text"/>, naming <paramref name="where"/> when one does.</summary>
    /// <param name="pins">False when the test leaks whole rows as text on purpose: the integer pin is masked only by its column rule.</param>
    public static void AssertNoSecrets(string text, string where, bool pins = true)
    {
        foreach (var secret in Secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{where} holds the raw value {secret}:\n{text}");
        }
        foreach (var pin in pins ? Pins : [])
        {
            Assert.False(System.Text.RegularExpressions.Regex.IsMatch(text, $@"\b{pin}\b"), $"{where} holds the pin {pin}:\n{text}");
        }
    }

    /// <summary>Searches the audit rows, every session recording and the logs: none may hold a raw secret, whatever the test did.</summary>
    public async Task AssertAuditRecordingsAndLogsCleanAsync(bool pins = true)
    {
        var audit = await Gateway.AuditAsync();
        var rows = string.Join('\n', audit.Select(r => System.Text.Json.JsonSerializer.Serialize(r.Entry)));
        AssertNoSecrets(rows, "the audit log", pins);
        AssertNoSecrets(await RecordedTextAsync(), "the session recordings", pins);
        AssertNoSecrets(Logs.Text, "the logs", pins);
    }

    /// <summary>Every recorded event of every session so far, raw bytes as text, and each session's decoded transcript.</summary>
    public async Task<string> RecordedTextAsync()
    {
        await Gateway.Services.GetRequiredService<RecordingLog>().FlushAsync();
        var reader = Gateway.Services.GetRequiredService<RecordingReader>();
        var text = new System.Text.StringBuilder();
        foreach (var session in await reader.ListAsync(new SessionFilter(Limit: 1000)))
        {
            var (_, events) = (await reader.GetAsync(session.Id))!.Value;
            foreach (var e in events) text.Append(System.Text.Encoding.UTF8.GetString(e.Payload)).Append('\n');
            text.Append(System.Text.Json.JsonSerializer.Serialize(TranscriptDecoder.Decode(events))).Append('\n');
        }
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        File.Delete(KeyFile);
    }
}
