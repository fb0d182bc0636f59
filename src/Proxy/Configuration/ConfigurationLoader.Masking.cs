using System.Text.RegularExpressions;

namespace TicketGate.Proxy.Configuration;

public static partial class ConfigurationLoader
{
    private static readonly (string Name, SensitiveDataKinds Kind)[] DetectorNames =
    [
        ("card", SensitiveDataKinds.Card), ("iban", SensitiveDataKinds.Iban), ("ssn", SensitiveDataKinds.Ssn),
        ("email", SensitiveDataKinds.Email), ("phone", SensitiveDataKinds.Phone), ("cloud_key", SensitiveDataKinds.CloudKey),
        ("jwt", SensitiveDataKinds.Jwt), ("private_key", SensitiveDataKinds.PrivateKey), ("all", SensitiveDataKinds.All),
    ];

    /// <summary>
    /// A connection's <c>masking</c> section:
    /// <c>columns: { schema.table.column: full | last4 | hash }</c>, <c>detectors: [card, iban, ssn, email, phone, cloud_key, jwt,
    /// private_key] (or [all])</c>, <c>style</c> (of what detectors find; default full) and <c>strict</c>.
    /// </summary>
    private static MaskingDefinition ReadMasking(YamlSection? section)
    {
        if (section is null) return MaskingDefinition.None;
        var columns = new List<ColumnMask>();
        foreach (var (name, styleText) in section.TextMap("columns") ?? new Dictionary<string, string>())
        {
            var style = ParseStyle(section, "columns." + name, styleText);
            var match = QualifiedColumn().Match(name);
            if (!match.Success)
            {
                section.Problem("columns", $"'{name}' is not a column; write schema.table.column (e.g. public.customers.card_number)");
                continue;
            }
            if (style is { } s) columns.Add(new ColumnMask(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value, s));
        }

        var detectors = SensitiveDataKinds.None;
        foreach (var name in section.TextList("detectors") ?? [])
        {
            var found = false;
            foreach (var (known, kind) in DetectorNames)
            {
                if (!string.Equals(known, name, StringComparison.OrdinalIgnoreCase)) continue;
                detectors |= kind;
                found = true;
            }
            if (!found)
            {
                section.Problem("detectors", $"'{name}' is not a detector; use card, iban, ssn, email, phone, cloud_key, jwt, private_key or all");
            }
        }
        var styleOfDetectors = section.Text("style") is { } text ? ParseStyle(section, "style", text) ?? MaskStyle.Full : MaskStyle.Full;
        var masking = new MaskingDefinition
        {
            Columns = columns,
            Detectors = detectors,
            Style = styleOfDetectors,
            Strict = section.Boolean("strict") ?? false,
        };
        section.RejectUnknownKeys();
        return masking;
    }

    private static MaskStyle? ParseStyle(YamlSection section, string key, string text)
    {
        switch (text.ToLowerInvariant())
        {
            case "full": return MaskStyle.Full;
            case "last4" or "last_four": return MaskStyle.LastFour;
            case "hash": return MaskStyle.Hash;
            default:
                section.Problem(key, $"'{text}' is not a masking style; use full, last4 or hash");
                return null;
        }
    }

    /// <summary>The hash style needs the deployment's key; without it masking could only guess one, and tokens would change between runs.</summary>
    private static void CheckMaskingKey(YamlSection root, IReadOnlyDictionary<string, ConnectionDefinition> connections, SecretReference? key)
    {
        if (key is not null) return;
        foreach (var connection in connections.Values)
        {
            if (!connection.Masking.UsesHash) continue;
            root.Problem("masking_key",
                $"connection '{connection.Name}' masks with style hash, which needs masking_key: {{ env: VARIABLE }} or {{ file: PATH }} holding a random secret of 32 bytes or more");
            return;
        }
    }

    private static RecordingOptions ReadRecording(YamlSection? section)
    {
        var defaults = new RecordingOptions();
        if (section is null) return defaults;
        var options = new RecordingOptions
        {
            Enabled = section.Boolean("enabled") ?? defaults.Enabled,
            MaxBytesPerSession = section.Integer("max_bytes_per_session", 0, int.MaxValue) ?? defaults.MaxBytesPerSession,
            QueueCapacity = section.Integer("queue_capacity", 1, 10_000_000) ?? defaults.QueueCapacity,
            BatchSize = section.Integer("batch_size", 1, 100_000) ?? defaults.BatchSize,
            FlushInterval = section.Duration("flush_interval") ?? defaults.FlushInterval,
        };
        if (options.BatchSize > options.QueueCapacity)
        {
            section.Problem("batch_size", $"{options.BatchSize} is larger than queue_capacity ({options.QueueCapacity}); a batch can't exceed the queue");
        }
        section.RejectUnknownKeys();
        return options;
    }

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_$]*)\.([A-Za-z_][A-Za-z0-9_$]*)\.([A-Za-z_][A-Za-z0-9_$]*)$")]
    private static partial Regex QualifiedColumn();
}
