using System.Security.Cryptography;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// An ECDSA P-256 key in OpenSSH's terms (ecdsa-sha2-nistp256): its public blob, authorized_keys line, SHA256 fingerprint and
/// signatures. .NET's own cryptography has no Ed25519, so TicketGate's CAs, the bastion's host key and the keys it makes for
/// agents are P-256; OpenSSH accepts them everywhere. The private key is kept as PEM (SEC1), which ssh and SSH.NET both read.
/// </summary>
public sealed class SshKey : IDisposable
{
    public const string Algorithm = "ecdsa-sha2-nistp256";
    public const string CertificateAlgorithm = "ecdsa-sha2-nistp256-cert-v01@openssh.com";
    private const string Curve = "nistp256";

    private readonly ECDsa _key;

    private SshKey(ECDsa key)
    {
        _key = key;
        PublicBlob = PublicBlobOf(key.ExportParameters(false));
    }

    /// <summary>The public key as the SSH wire encodes it (string algorithm, string curve, string point).</summary>
    public byte[] PublicBlob { get; }

    public string Fingerprint => FingerprintOf(PublicBlob);

    public static SshKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Reads a PEM private key file; throws <see cref="InvalidDataException"/> naming the file when it isn't a P-256 key.</summary>
    public static SshKey Load(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256) throw new InvalidDataException($"{path} holds a {key.KeySize}-bit EC key; TicketGate's SSH keys are P-256");
            return new SshKey(key);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"{path} is not a PEM EC P-256 private key: {e.Message}", e);
        }
    }

    /// <summary>Loads the key at <paramref name="path"/>, or makes one and writes it there (mode 0600) when the file doesn't exist.</summary>
    public static SshKey LoadOrCreate(string path)
    {
        if (File.Exists(path)) return Load(path);
        var key = Create();
        key.Save(path);
        return key;
    }

    /// <summary>Writes the private key as PEM, readable by its owner only, and the public line beside it as PATH.pub.</summary>
    public void Save(string path, string comment = "ticketgate")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(_key.ExportECPrivateKeyPem());
            writer.Write('\n');
        }
        File.Move(temporary, path, overwrite: true);
        File.WriteAllText(path + ".pub", PublicLine(comment) + "\n");
    }

    /// <summary>The authorized_keys form: "ecdsa-sha2-nistp256 BASE64 comment".</summary>
    public string PublicLine(string comment = "") => FormatPublicLine(PublicBlob, comment);

    public static string FormatPublicLine(byte[] blob, string comment = "")
    {
        var algorithm = new SshWireReader(blob).Text();
        return $"{algorithm} {Convert.ToBase64String(blob)}{(comment.Length > 0 ? " " + comment : "")}";
    }

    /// <summary>"SHA256:…" as ssh-keygen -l prints it.</summary>
    public static string FingerprintOf(ReadOnlySpan<byte> publicBlob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(publicBlob)).TrimEnd('=');

    /// <summary>An SSH signature blob over <paramref name="data"/>: string algorithm, string (mpint r, mpint s).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var rs = _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var inner = new SshWireWriter().MPInt(rs.AsSpan(0, 32)).MPInt(rs.AsSpan(32, 32)).ToArray();
        return new SshWireWriter().String(Algorithm).String(inner).ToArray();
    }

    /// <summary>Whether <paramref name="signature"/> is a valid P-256 signature over <paramref name="data"/> by the key in <paramref name="publicBlob"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicBlob, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            var signatureReader = new SshWireReader(signature);
            if (signatureReader.Text() != Algorithm) return false;
            var inner = new SshWireReader(signatureReader.String());
            var rs = new byte[64];
            inner.MPIntFixed(32).CopyTo(rs, 0);
            inner.MPIntFixed(32).CopyTo(rs, 32);
            using var key = ECDsa.Create(ParsePublicBlob(publicBlob));
            return key.VerifyData(data, rs, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The blob of an authorized_keys-style line ("ecdsa-sha2-nistp256 BASE64 [comment]"); throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static byte[] ParsePublicLine(string line)
    {
        var parts = line.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) throw new FormatException("a public key line is \"ecdsa-sha2-nistp256 BASE64 [comment]\"");
        if (parts[0] != Algorithm) throw new FormatException($"TicketGate signs {Algorithm} keys only, not {parts[0]}");
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            throw new FormatException("the public key is not valid base64");
        }
        _ = ParsePublicBlob(blob);
        return blob;
    }

    /// <summary>The curve point of a P-256 public blob, checked to be on the curve.</summary>
    public static ECParameters ParsePublicBlob(ReadOnlySpan<byte> blob)
    {
        var reader = new SshWireReader(blob);
        if (reader.Text() != Algorithm) throw new FormatException($"the key is not {Algorithm}");
        if (reader.Text() != Curve) throw new FormatException("the key's curve is not nistp256");
        var point = reader.String();
        if (!reader.AtEnd || point.Length != 65 || point[0] != 4) throw new FormatException("the key's point is not an uncompressed P-256 point");
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point.Slice(1, 32).ToArray(), Y = point.Slice(33, 32).ToArray() },
        };
        try
        {
            using var check = ECDsa.Create(parameters);
        }
        catch (CryptographicException e)
        {
            throw new FormatException("the key's point is not on the P-256 curve", e);
        }
        return parameters;
    }

    internal static byte[] PublicBlobOf(ECParameters parameters)
    {
        var point = new byte[65];
        point[0] = 4;
        parameters.Q.X!.CopyTo(point, 1);
        parameters.Q.Y!.CopyTo(point, 33);
        return new SshWireWriter().String(Algorithm).String(Curve).String(point).ToArray();
    }

    /// <summary>The curve point, as a certificate embeds it after the nonce.</summary>
    internal static (string Curve, byte[] Point) PointOf(ReadOnlySpan<byte> publicBlob)
    {
        var reader = new SshWireReader(publicBlob);
        reader.Text();
        return (reader.Text(), reader.String().ToArray());
    }

    public void Dispose() => _key.Dispose();
}
