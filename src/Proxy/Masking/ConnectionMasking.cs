using System.Text;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Masking;

/// <summary>One connection's masking, compiled: its rules, detectors, strictness, the style writer and the column catalog.</summary>
internal sealed class ConnectionMasking(ConnectionDefinition connection, byte[]? hashKey)
{
    public string ConnectionName { get; } = connection.Name;
    public SensitiveDataKinds Detectors { get; } = connection.Masking.Detectors;
    public MaskStyle DetectorStyle { get; } = connection.Masking.Style;
    public bool Strict { get; } = connection.Masking.Strict;
    /// <summary>The deployment's key of the hash style; each session's <see cref="MaskFormatter"/> is made with it.</summary>
    public byte[]? HashKey { get; } = hashKey;
    public ColumnCatalog Catalog { get; } = new(connection);
}

/// <summary>The masking of every connection that has any, built once when the gateway starts.</summary>
internal sealed class MaskingPolicies : IAsyncDisposable
{
    private readonly Dictionary<string, ConnectionMasking> _byConnection = new(StringComparer.Ordinal);

    public MaskingPolicies(TicketGateOptions options)
    {
        // Read once at start-up: a key that can't be read stops the gateway rather than masking with a guessed one.
        var key = options.MaskingKey is { } secret ? Encoding.UTF8.GetBytes(secret.Read()) : null;
        foreach (var connection in options.Connections.Values)
        {
            if (!connection.Masking.IsEmpty) _byConnection[connection.Name] = new ConnectionMasking(connection, key);
        }
    }

    /// <summary>The connection's masking; null when it masks nothing (its sessions then pay nothing for masking).</summary>
    public ConnectionMasking? For(ConnectionDefinition connection) => _byConnection.GetValueOrDefault(connection.Name);

    public async ValueTask DisposeAsync()
    {
        foreach (var masking in _byConnection.Values) await masking.Catalog.DisposeAsync().ConfigureAwait(false);
    }
}
