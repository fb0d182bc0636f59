using System.Security.Cryptography;
using System.Text;

namespace TicketGate.Proxy.Kubernetes.Hold;

/// <summary>
/// What an approval of an API request is bound to: the verb, method, path with query and the SHA-256 of the body. Only a request
/// with the same fingerprint is released by a decision made for it.
/// </summary>
internal static class RequestFingerprint
{
    public static string Of(string verb, string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{verb}\n{method}\n{pathAndQuery}\n{bodyHash}")));
    }
}
