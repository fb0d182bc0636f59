using System.Collections.Concurrent;
using System.Security.Cryptography;
using TicketGate.Proxy.Postgres.Session;

namespace TicketGate.Proxy.Postgres.Cancel;

/// <summary>
/// The BackendKeyData TicketGate hands out: its own process id and secret per session, never the upstream's, so a cancel
/// request can only reach the session it names.
/// </summary>
internal sealed class CancelKeyRegistry
{
    private readonly ConcurrentDictionary<long, PostgresSession> _sessions = new();

    public (int ProcessId, int SecretKey) Register(PostgresSession session)
    {
        while (true)
        {
            var processId = RandomNumberGenerator.GetInt32(1, int.MaxValue);
            var secretKey = RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
            if (_sessions.TryAdd(Key(processId, secretKey), session)) return (processId, secretKey);
        }
    }

    public void Unregister(int processId, int secretKey) => _sessions.TryRemove(Key(processId, secretKey), out _);

    /// <summary>Cancels what the named session is doing; unknown keys are ignored, as PostgreSQL does.</summary>
    public bool Cancel(int processId, int secretKey)
    {
        if (!_sessions.TryGetValue(Key(processId, secretKey), out var session)) return false;
        session.Cancel();
        return true;
    }

    public int Count => _sessions.Count;

    private static long Key(int processId, int secretKey) => ((long)processId << 32) | (uint)secretKey;
}
