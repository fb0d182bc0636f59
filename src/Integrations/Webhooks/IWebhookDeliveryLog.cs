namespace TicketGate.Integrations.Webhooks;

/// <summary>Delivery ids already handled. Jira retries a delivery for up to about 30 minutes with the same id.</summary>
public interface IWebhookDeliveryLog
{
    /// <summary>Records the id; false when it was recorded before and is still remembered.</summary>
    bool TryRecord(string deliveryId, DateTimeOffset now);
}

/// <summary>An in-memory log that forgets ids after <paramref name="retention"/> and keeps at most <paramref name="capacity"/> of them.</summary>
public sealed class BoundedDeliveryLog(int capacity = 100_000, TimeSpan? retention = null) : IWebhookDeliveryLog
{
    private readonly TimeSpan _retention = retention ?? TimeSpan.FromHours(72);
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset At)> _order = new();
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock) return _seen.Count;
        }
    }

    public bool TryRecord(string deliveryId, DateTimeOffset now)
    {
        lock (_lock)
        {
            while (_order.Count > 0 && (_order.Count >= capacity || now - _order.Peek().At > _retention))
            {
                var (id, at) = _order.Dequeue();
                if (_seen.TryGetValue(id, out var recorded) && recorded == at) _seen.Remove(id);
            }
            if (_seen.TryGetValue(deliveryId, out var seenAt) && now - seenAt <= _retention) return false;
            _seen[deliveryId] = now;
            _order.Enqueue((deliveryId, now));
            return true;
        }
    }
}
