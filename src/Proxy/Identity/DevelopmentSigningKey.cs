using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.IdentityModel.Tokens;

namespace TicketGate.Proxy.Identity;

/// <summary>One RSA-2048 key of the development issuer, with the key id tokens name it by.</summary>
internal sealed class DevelopmentSigningKey : IDisposable
{
    private DevelopmentSigningKey(RSA rsa, string keyId, DateTimeOffset createdAt)
    {
        Rsa = rsa;
        KeyId = keyId;
        CreatedAt = createdAt;
        // The library's shared provider cache is keyed by key thumbprint, so another instance loading the same key file
        // would be handed a provider holding our RSA object, which breaks once either instance is disposed.
        Credentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256)
        {
            CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
        };
        var publicKey = rsa.ExportParameters(includePrivateParameters: false);
        Modulus = Base64UrlEncoder.Encode(publicKey.Modulus);
        Exponent = Base64UrlEncoder.Encode(publicKey.Exponent);
    }

    public RSA Rsa { get; }
    public string KeyId { get; }
    public DateTimeOffset CreatedAt { get; }
    public SigningCredentials Credentials { get; }
    public string Modulus { get; }
    public string Exponent { get; }

    public static DevelopmentSigningKey Generate(DateTimeOffset now)
    {
        var rsa = RSA.Create(2048);
        return new DevelopmentSigningKey(rsa, Thumbprint(rsa), now);
    }

    /// <summary>RFC 7638 thumbprint: the id is a function of the public key, so it is stable across restarts by construction.</summary>
    private static string Thumbprint(RSA rsa)
    {
        var publicKey = rsa.ExportParameters(includePrivateParameters: false);
        var canonical = $$"""{"e":"{{Base64UrlEncoder.Encode(publicKey.Exponent)}}","kty":"RSA","n":"{{Base64UrlEncoder.Encode(publicKey.Modulus)}}"}""";
        return Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)));
    }

    public StoredKey ToStored() => new(KeyId, CreatedAt, Rsa.ExportPkcs8PrivateKeyPem());

    public static DevelopmentSigningKey FromStored(StoredKey stored, string file)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(stored.PrivateKeyPem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new InvalidDataException($"{file} holds an unreadable private key for key id '{stored.KeyId}'; delete the file to start with a new key", ex);
        }
        return new DevelopmentSigningKey(rsa, stored.KeyId, stored.CreatedAt);
    }

    public void Dispose() => Rsa.Dispose();

    /// <summary>The on-disk form of one key.</summary>
    internal sealed record StoredKey(
        [property: JsonPropertyName("kid")] string KeyId,
        [property: JsonPropertyName("created")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("private_key_pem")] string PrivateKeyPem);
}

/// <summary><c>&lt;dataDir&gt;/oidc/signing-key.json</c>: the current key and the one it replaced, readable only by the owner.</summary>
internal static class DevelopmentKeyFile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static (DevelopmentSigningKey Current, DevelopmentSigningKey? Previous)? Load(string path)
    {
        if (!File.Exists(path)) return null;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite)) != 0)
        {
            // Someone loosened it (a copy, an umask); a signing key others can read lets them mint tokens.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Contents? contents;
        try
        {
            contents = JsonSerializer.Deserialize<Contents>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a development issuer key file; delete it to start with a new key", ex);
        }
        if (contents?.Current is null) throw new InvalidDataException($"{path} has no current key; delete it to start with a new key");

        var current = DevelopmentSigningKey.FromStored(contents.Current, path);
        var previous = contents.Previous is null ? null : DevelopmentSigningKey.FromStored(contents.Previous, path);
        return (current, previous);
    }

    public static void Save(string path, DevelopmentSigningKey current, DevelopmentSigningKey? previous)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // Written aside and renamed, so a crash never leaves half a key; created 0600 so it is never readable by others.
        var staging = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(staging, options))
            {
                JsonSerializer.Serialize(stream, new Contents(current.ToStored(), previous?.ToStored()), Json);
            }
            File.Move(staging, path, overwrite: true);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    private sealed record Contents(
        [property: JsonPropertyName("current")] DevelopmentSigningKey.StoredKey? Current,
        [property: JsonPropertyName("previous")] DevelopmentSigningKey.StoredKey? Previous);
}
