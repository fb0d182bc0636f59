namespace TicketGate.Proxy.Configuration;

/// <summary>How a masked value is shown to the agent.</summary>
public enum MaskStyle
{
    /// <summary>"****": nothing of the value is shown.</summary>
    Full,
    /// <summary>"****1234": the last four letters or digits are kept (values with fewer than eight are masked fully).</summary>
    LastFour,
    /// <summary>"hash:…": a keyed hash (HMAC-SHA-256 with the deployment's masking key), so equal values stay equal for joins.</summary>
    Hash,
}

/// <summary>Kinds of sensitive text the content detectors find in any value, whatever its column.</summary>
[Flags]
public enum SensitiveDataKinds
{
    None = 0,
    /// <summary>Payment card numbers (13 to 19 digits, spaces or dashes allowed) that pass the Luhn check.</summary>
    Card = 1,
    /// <summary>IBANs whose mod-97 check holds.</summary>
    Iban = 2,
    /// <summary>US social security numbers, AAA-GG-SSSS, without the never-issued ranges.</summary>
    Ssn = 4,
    Email = 8,
    /// <summary>International (+…) and North American phone numbers.</summary>
    Phone = 16,
    /// <summary>AWS access key ids, Google API keys, Azure account keys and client secrets, GitHub tokens.</summary>
    CloudKey = 32,
    /// <summary>JSON web tokens (three base64url parts, header and payload JSON).</summary>
    Jwt = 64,
    /// <summary>PEM private-key blocks (-----BEGIN … PRIVATE KEY----- … -----END …).</summary>
    PrivateKey = 128,
    All = Card | Iban | Ssn | Email | Phone | CloudKey | Jwt | PrivateKey,
}

/// <summary>A column whose values are always masked, wherever a result reports it as their origin.</summary>
public sealed record ColumnMask(string Schema, string Table, string Column, MaskStyle Style)
{
    public override string ToString() => $"{Schema}.{Table}.{Column}";
}

/// <summary>
/// The <c>masking</c> section of a connection: column rules (resolved through the upstream's catalog from each result's table
/// OID and attribute number), content detectors applied to every text value, the style detectors mask with, and strict mode.
/// </summary>
public sealed class MaskingDefinition
{
    public static readonly MaskingDefinition None = new();

    public IReadOnlyList<ColumnMask> Columns { get; init; } = [];
    public SensitiveDataKinds Detectors { get; init; }
    /// <summary>The style of what the detectors find.</summary>
    public MaskStyle Style { get; init; } = MaskStyle.Full;
    /// <summary>A value TicketGate can't inspect (say, a binary value of a type it doesn't decode) blocks the response instead of passing.</summary>
    public bool Strict { get; init; }

    public bool IsEmpty => Columns.Count == 0 && Detectors == SensitiveDataKinds.None;

    public bool UsesHash
    {
        get
        {
            if (Style == MaskStyle.Hash && Detectors != SensitiveDataKinds.None) return true;
            foreach (var column in Columns)
            {
                if (column.Style == MaskStyle.Hash) return true;
            }
            return false;
        }
    }
}

/// <summary>Session recording: every session's messages (after masking), holds and decisions, kept in the state database.</summary>
public sealed class RecordingOptions
{
    public bool Enabled { get; init; } = true;
    /// <summary>Protocol bytes kept per session at most; past this the session is marked truncated and only holds and decisions are kept.</summary>
    public long MaxBytesPerSession { get; init; } = 16L * 1024 * 1024;
    /// <summary>Recorded batches waiting for the store at most; past this, batches are dropped and their sessions marked truncated.</summary>
    public int QueueCapacity { get; init; } = 20_000;
    public int BatchSize { get; init; } = 500;
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
