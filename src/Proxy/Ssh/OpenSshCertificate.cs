using System.Security.Cryptography;

namespace TicketGate.Proxy.Ssh;

/// <summary>User (1) or host (2) certificate, as PROTOCOL.certkeys numbers them.</summary>
public enum SshCertificateType : uint
{
    User = 1,
    Host = 2,
}

/// <summary>
/// An OpenSSH certificate of a P-256 key (ecdsa-sha2-nistp256-cert-v01@openssh.com, OpenSSH's PROTOCOL.certkeys): built and signed
/// here with .NET's cryptography, and parsed back and verified when the bastion's shim hands one over.
/// </summary>
public sealed record OpenSshCertificate
{
    public required byte[] SubjectKey { get; init; }
    public required ulong Serial { get; init; }
    public required SshCertificateType Type { get; init; }
    public required string KeyId { get; init; }
    public required IReadOnlyList<string> Principals { get; init; }
    public required DateTimeOffset ValidAfter { get; init; }
    public required DateTimeOffset ValidBefore { get; init; }
    /// <summary>Name to data; sshd refuses a certificate with a critical option it doesn't know.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> CriticalOptions { get; init; } = [];
    /// <summary>Name to data, sorted by name as OpenSSH requires; "permit-pty" and the like have empty data.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extensions { get; init; } = [];
    /// <summary>The CA's public blob; set by <see cref="Sign"/> or read from a certificate.</summary>
    public byte[] SignatureKey { get; init; } = [];
    public byte[] Blob { get; init; } = [];

    /// <summary>Signs the certificate with <paramref name="ca"/> and returns it with its blob.</summary>
    public OpenSshCertificate Sign(SshKey ca)
    {
        var (curve, point) = SshKey.PointOf(SubjectKey);
        var body = new SshWireWriter()
            .String(SshKey.CertificateAlgorithm)
            .String(RandomNumberGenerator.GetBytes(32))
            .String(curve)
            .String(point)
            .UInt64(Serial)
            .UInt32((uint)Type)
            .String(KeyId)
            .String(Pack(Principals))
            .UInt64(Seconds(ValidAfter))
            .UInt64(Seconds(ValidBefore))
            .String(PackPairs(CriticalOptions))
            .String(PackPairs([.. Extensions.OrderBy(e => e.Key, StringComparer.Ordinal)]))
            .String(ReadOnlySpan<byte>.Empty)
            .String(ca.PublicBlob)
            .ToArray();
        var signature = ca.Sign(body);
        var blob = new byte[body.Length + 4 + signature.Length];
        body.CopyTo(blob, 0);
        var tail = new SshWireWriter().String(signature).ToArray();
        tail.CopyTo(blob, body.Length);
        return this with { SignatureKey = ca.PublicBlob, Blob = blob };
    }

    /// <summary>The line ssh reads as a CertificateFile: "ecdsa-sha2-nistp256-cert-v01@openssh.com BASE64 comment".</summary>
    public string ToLine(string comment = "") => $"{SshKey.CertificateAlgorithm} {Convert.ToBase64String(Blob)}{(comment.Length > 0 ? " " + comment : "")}";

    /// <summary>Parses a certificate blob and checks its signature; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static OpenSshCertificate Parse(byte[] blob)
    {
        var reader = new SshWireReader(blob);
        var algorithm = reader.Text();
        if (algorithm != SshKey.CertificateAlgorithm) throw new FormatException($"the certificate is {algorithm}, not {SshKey.CertificateAlgorithm}");
        reader.String();
        var curve = reader.Text();
        var point = reader.String().ToArray();
        var serial = reader.UInt64();
        var type = reader.UInt32();
        var keyId = reader.Text();
        var principals = Unpack(reader.String());
        var after = reader.UInt64();
        var before = reader.UInt64();
        var critical = UnpackPairs(reader.String());
        var extensions = UnpackPairs(reader.String());
        reader.String();
        var signatureKey = reader.String().ToArray();
        var signedLength = reader.Position;
        var signature = reader.String();
        if (!reader.AtEnd) throw new FormatException("the certificate has bytes after its signature");
        if (type is not (1 or 2)) throw new FormatException($"the certificate type {type} is neither user nor host");
        if (!SshKey.Verify(signatureKey, blob.AsSpan(0, signedLength), signature)) throw new FormatException("the certificate's signature does not verify");
        var subjectKey = new SshWireWriter().String(SshKey.Algorithm).String(curve).String(point).ToArray();
        return new OpenSshCertificate
        {
            SubjectKey = subjectKey,
            Serial = serial,
            Type = (SshCertificateType)type,
            KeyId = keyId,
            Principals = principals,
            ValidAfter = FromSeconds(after),
            ValidBefore = FromSeconds(before),
            CriticalOptions = critical,
            Extensions = extensions,
            SignatureKey = signatureKey,
            Blob = blob,
        };
    }

    private static ulong Seconds(DateTimeOffset at) => (ulong)Math.Max(0, at.ToUnixTimeSeconds());

    private static DateTimeOffset FromSeconds(ulong seconds) =>
        seconds >= (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds((long)seconds);

    private static byte[] Pack(IEnumerable<string> values)
    {
        var writer = new SshWireWriter();
        foreach (var value in values) writer.String(value);
        return writer.ToArray();
    }

    private static byte[] PackPairs(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var writer = new SshWireWriter();
        foreach (var (name, data) in pairs)
        {
            writer.String(name);
            // A flag carries an empty string; an option with a value carries its value as a string inside the string.
            writer.String(data.Length == 0 ? [] : new SshWireWriter().String(data).ToArray());
        }
        return writer.ToArray();
    }

    private static List<string> Unpack(ReadOnlySpan<byte> packed)
    {
        var reader = new SshWireReader(packed);
        var values = new List<string>();
        while (!reader.AtEnd) values.Add(reader.Text());
        return values;
    }

    private static List<KeyValuePair<string, string>> UnpackPairs(ReadOnlySpan<byte> packed)
    {
        var reader = new SshWireReader(packed);
        var pairs = new List<KeyValuePair<string, string>>();
        while (!reader.AtEnd)
        {
            var name = reader.Text();
            var data = reader.String();
            pairs.Add(new(name, data.Length == 0 ? "" : new SshWireReader(data).Text()));
        }
        return pairs;
    }
}
