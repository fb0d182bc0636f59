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
            throw new SshAccessException($"the key for {target.Name} is unusable ({e.Message}); tell TicketGate's operators");
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
            // SSH.NET's async connect continues on the socket's completion thread and then blocks there waiting for the key exchange;
            // with inline socket completions (Program.cs) that thread is the one that would deliver it. The blocking connect runs on
            // a pool thread instead.
            await Task.Run(client.Connect, cancellationToken).ConfigureAwait(false);
            client.KeepAliveInterval = TimeSpan.FromSeconds(30);
            return new SshUpstream(client);
        }
        catch (SshConnectionException) when (seen is not null && seen != target.HostKeyFingerprint)
        {
            client.Dispose();
            throw new SshAccessException($"{target.Name} presented the host key {seen}, not the configured {target.HostKeyFingerprint}; not logged in");
        }
        catch (Exception e) when (e is SshException or System.Net.Sockets.SocketException or TimeoutException)
        {
            client.Dispose();
            throw new SshAccessException($"could not log in to {target.Name} ({target.Host}:{target.Port}): {e.Message}");
        }
    }

    public void Dispose() => _client.Dispose();
}
