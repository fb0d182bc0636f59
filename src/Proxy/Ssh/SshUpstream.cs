using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// TicketGate's own SSH connection to a target (SSH.NET), logged in with the target's hidden key and accepting only the host key
/// configured for it. SSH.NET's blocking calls run on the thread pool, never on the caller's thread.
/// </summary>
internal sealed class SshUpstream : IDisposable
{
    private readonly SshClient _client;

    private SshUpstream(SshClient client) => _client = client;

    public SshClient Client => _client;

    public static async Task<SshUpstream> ConnectAsync(SshTargetDefinition target, CancellationToken cancellationToken)
    {
        PrivateKeyFile key;
        try
        {
            using var text = new MemoryStream(Encoding.UTF8.GetBytes(target.Key.Read()));
            key = new PrivateKeyFile(text);
        }
        catch (Exception e) when (e is SshException or ArgumentException or InvalidOperationException)
        {
            throw new SshAccessException($"TicketGate's key for {target.Name} is unusable ({e.Message}); tell TicketGate's operators");
        }
        var connection = new Renci.SshNet.ConnectionInfo(target.Host, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, key))
        {
            Timeout = TimeSpan.FromSeconds(15),
        };
        var client = new SshClient(connection);
        string? seen = null;
        client.HostKeyReceived += (_, e) =>
        {
            seen = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = string.Equals(seen, target.HostKeyFingerprint, StringComparison.Ordinal);
        };
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            client.KeepAliveInterval = TimeSpan.FromSeconds(30);
            return new SshUpstream(client);
        }
        catch (SshConnectionException) when (seen is not null && seen != target.HostKeyFingerprint)
        {
            client.Dispose();
            throw new SshAccessException($"{target.Name} presented the host key {seen}, not the configured {target.HostKeyFingerprint}; TicketGate did not log in");
        }
        catch (Exception e) when (e is SshException or System.Net.Sockets.SocketException or TimeoutException)
        {
            client.Dispose();
            throw new SshAccessException($"TicketGate could not log in to {target.Name} ({target.Host}:{target.Port}): {e.Message}");
        }
    }

    public void Dispose() => _client.Dispose();
}
