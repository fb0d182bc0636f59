using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace TicketGate.Proxy.Postgres.Upstream;

/// <summary>The client side of SCRAM-SHA-256 (RFC 5802/7677) as PostgreSQL speaks it, without channel binding.</summary>
internal sealed class ScramSha256Client
{
    // PBKDF2 with 4096 rounds costs about a millisecond; the salt and count are fixed per role, so cache the result per password.
    private static readonly ConcurrentDictionary<(string Salt, int Iterations, string PasswordHash), byte[]> SaltedPasswords = new();

    private readonly string _password;
    private readonly string _clientNonce;
    private string? _clientFirstBare;
    private byte[]? _expectedServerSignature;

    public ScramSha256Client(string password)
    {
        _password = password;
        _clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    }

    public const string Mechanism = "SCRAM-SHA-256";

    public byte[] ClientFirstMessage()
    {
        _clientFirstBare = "n=,r=" + _clientNonce;
        return Encoding.UTF8.GetBytes("n,," + _clientFirstBare);
    }

    public byte[] ClientFinalMessage(ReadOnlySpan<byte> serverFirstBytes)
    {
        var serverFirst = Encoding.UTF8.GetString(serverFirstBytes);
        string? nonce = null, salt = null;
        var iterations = 0;
        foreach (var part in serverFirst.Split(','))
        {
            if (part.StartsWith("r=", StringComparison.Ordinal)) nonce = part[2..];
            else if (part.StartsWith("s=", StringComparison.Ordinal)) salt = part[2..];
            else if (part.StartsWith("i=", StringComparison.Ordinal)) int.TryParse(part.AsSpan(2), out iterations);
        }
        if (nonce is null || salt is null || iterations <= 0 || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal))
        {
            throw new UpstreamAuthenticationException("the upstream's SCRAM server-first message is malformed or its nonce doesn't extend ours");
        }

        var saltedPassword = SaltedPasswords.GetOrAdd(
            (salt, iterations, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(_password)))),
            static (key, password) => Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(key.Salt), key.Iterations, HashAlgorithmName.SHA256, 32),
            _password);

        var clientFinalWithoutProof = "c=biws,r=" + nonce;
        var authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof);
        var clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var clientSignature = HMACSHA256.HashData(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++) proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        var serverKey = HMACSHA256.HashData(saltedPassword, "Server Key"u8);
        _expectedServerSignature = HMACSHA256.HashData(serverKey, authMessage);
        return Encoding.UTF8.GetBytes(clientFinalWithoutProof + ",p=" + Convert.ToBase64String(proof));
    }

    public void VerifyServerFinal(ReadOnlySpan<byte> serverFinalBytes)
    {
        var serverFinal = Encoding.UTF8.GetString(serverFinalBytes);
        if (!serverFinal.StartsWith("v=", StringComparison.Ordinal) || _expectedServerSignature is null)
        {
            throw new UpstreamAuthenticationException("the upstream's SCRAM final message is malformed: " + serverFinal);
        }
        var signature = Convert.FromBase64String(serverFinal[2..].Split(',')[0]);
        if (!CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature))
        {
            throw new UpstreamAuthenticationException("the upstream's SCRAM server signature does not match: it does not know this password");
        }
    }
}

public sealed class UpstreamAuthenticationException(string message) : Exception(message);
