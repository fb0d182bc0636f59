using System.Security.Cryptography;
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
