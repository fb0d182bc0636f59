using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>How a <see cref="LocalPostgresCluster"/> is laid out and run.</summary>
public sealed class LocalPostgresOptions
{
    /// <summary>
    /// The cluster's home: the PostgreSQL data lives in <c>pgdata/</c> inside it, beside the superuser password file,
    /// the server log and <c>secrets/</c>.
    /// </summary>
    public required string DataDirectory { get; init; }

    /// <summary>Folder with initdb, pg_ctl and postgres. Found automatically when not set.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>
    /// A throwaway cluster (tests, benchmarks): durability is switched off for speed, and disposing the cluster deletes
    /// <see cref="DataDirectory"/>.
    /// </summary>
    public bool Ephemeral { get; init; }

    public int MaxConnections { get; init; } = 200;

    /// <summary>How long initdb, start and stop may each take before they are abandoned.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public ILogger Logger { get; init; } = NullLogger.Instance;
}
