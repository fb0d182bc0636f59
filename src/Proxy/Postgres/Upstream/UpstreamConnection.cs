using System.IO.Pipelines;
using System.Net;

namespace TicketGate.Proxy.Postgres.Upstream;

/// <summary>An authenticated connection to the real database, ready for queries.</summary>
internal sealed class UpstreamConnection(IDuplexPipe transport, Func<ValueTask> dispose, EndPoint endPoint) : IAsyncDisposable
{
    private int _disposed;

    public IDuplexPipe Transport { get; } = transport;
    public EndPoint EndPoint { get; } = endPoint;

    /// <summary>The ParameterStatus messages the upstream sent at start-up, whole (code and length included), to replay to the client.</summary>
    public List<byte[]> ParameterStatusMessages { get; } = [];
    public bool HasBackendKey { get; set; }
    public int ProcessId { get; set; }
    public int SecretKey { get; set; }

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? dispose() : ValueTask.CompletedTask;
}
