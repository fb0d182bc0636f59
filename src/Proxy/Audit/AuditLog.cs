using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TicketGate.Proxy.Configuration;
using TicketGate.Workflows.Storage;

namespace TicketGate.Proxy.Audit;

/// <summary>
/// Writes the audit trail to <c>ticketgate.audit_log</c> in the background, in batches with binary COPY.
/// </summary>
/// <remarks>
/// <para>Store-down policy. The data path never waits for the audit store. <see cref="TryAppend"/> queues an entry
/// (up to <see cref="AuditOptions.QueueCapacity"/>) and returns at once. While the store fails, the writer keeps its
/// current batch and retries with capped exponential backoff, and <see cref="IsHealthy"/> is false. Low-tier statements
/// keep flowing: once the queue is full their entries are dropped and counted (<see cref="DroppedEntries"/>), and the
/// first write after the store comes back is an <c>audit_gap</c> row saying how many entries were lost and between
/// which times. Review-tier statements fail closed: the gateway refuses to hold one while <see cref="IsHealthy"/> is
/// false, and records each held statement's decision with <see cref="AppendDurableAsync"/> before acting on it, so a
/// statement released by a person is never run without its audit row.</para>
/// <para>An entry the store rejects as data (say, text PostgreSQL can't hold) is retried alone and, failing again,
/// counted as lost, so one bad entry can't wedge the log.</para>
/// </remarks>
public sealed partial class AuditLog : IHostedService, IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource;
    private readonly AuditOptions options;
    private readonly ILogger<AuditLog> logger;
    private readonly Channel<AuditEntry> queue;
    private readonly CancellationTokenSource abort = new();
    private readonly Lock gapLock = new();
    private readonly string endpoint;

    private Task? writer;
    private volatile bool healthy = true;
    private volatile bool stopping;
    private int droppingLogged;
    private long dropped;
    private long accepted;
    private long settled;
    private int flushWaiters;
    private int settledOfBatch;
    private CancellationTokenSource? pause;
    private TaskCompletionSource progress = NewProgress();

    // Entries lost since the last audit_gap row; guarded by gapLock (only touched when entries are lost).
    private long lostCount;
    private DateTimeOffset lostFrom;
    private DateTimeOffset lostTo;

    public AuditLog(NpgsqlDataSource dataSource, AuditOptions options, ILogger<AuditLog> logger)
    {
        this.dataSource = dataSource;
        this.options = options;
        this.logger = logger;
        endpoint = StateDatabase.Describe(dataSource);
        queue = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>False while the store fails writes; the gateway must not hold review-tier statements then.</summary>
    public bool IsHealthy => healthy;

    /// <summary>Entries never written since start: dropped because the queue was full, or rejected by the store.</summary>
    public long DroppedEntries => Interlocked.Read(ref dropped);

    /// <summary>Entries waiting in the queue (not counting the batch being written).</summary>
    public int QueuedEntries => queue.Reader.Count;

    internal TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    internal TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long disposing waits for the queue to drain before counting what's left as lost.</summary>
    internal TimeSpan DisposeDrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Queues an entry without waiting. False when the queue is full: the entry is counted as dropped.</summary>
    public bool TryAppend(AuditEntry entry)
    {
        if (queue.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref accepted);
            return true;
        }
        Interlocked.Increment(ref dropped);
        RecordLost(entry.At);
        if (Interlocked.Exchange(ref droppingLogged, 1) == 0) Log.DroppingStarted(logger, options.QueueCapacity);
        return false;
    }

    /// <summary>Writes one entry now, bypassing the queue. For the decision on a held statement, before acting on it.</summary>
    /// <exception cref="AuditStoreUnavailableException">The store didn't take it; the statement must not run.</exception>
    public async Task AppendDurableAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await AuditLogTable.CopyAsync(connection, null, [entry], 0, 1, cancellationToken);
            healthy = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            healthy = false;
            var detail = e is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : e.Message;
            throw new AuditStoreUnavailableException(
                $"The audit store at {endpoint} did not take the entry ({detail}); the statement is refused because it can't be audited.", e);
        }
    }

    /// <summary>Returns once every entry queued before the call is written (or counted as lost).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var running = writer ?? throw new InvalidOperationException("The audit log isn't running; start it before flushing.");
        var target = Interlocked.Read(ref accepted);
        Interlocked.Increment(ref flushWaiters);
        try
        {
            EndPause();
            while (true)
            {
                var next = Volatile.Read(ref progress).Task;
                if (Interlocked.Read(ref settled) >= target || running.IsCompleted) return;
                await next.WaitAsync(cancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref flushWaiters);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        writer ??= Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Drains the queue; when <paramref name="cancellationToken"/> fires first, stops retrying and counts the rest as lost.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        queue.Writer.TryComplete();
        EndPause();
        if (writer is null) return;
        try
        {
            await writer.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await abort.CancelAsync();
            await writer;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var deadline = new CancellationTokenSource(DisposeDrainTimeout))
        {
            await StopAsync(deadline.Token);
        }
        abort.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var reader = queue.Reader;
        var batch = new List<AuditEntry>(options.BatchSize);
        try
        {
            while (await reader.WaitToReadAsync(abort.Token))
            {
                if (reader.Count < options.BatchSize) await PauseAsync();
                while (batch.Count < options.BatchSize && reader.TryRead(out var entry)) batch.Add(entry);
                settledOfBatch = 0;
                await WriteBatchAsync(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            long lost = batch.Count - settledOfBatch;
            while (reader.TryRead(out _)) lost++;
            Interlocked.Add(ref dropped, lost);
            Interlocked.Add(ref settled, lost);
            Log.LostAtShutdown(logger, lost, endpoint);
        }
        finally
        {
            Interlocked.Exchange(ref progress, NewProgress()).TrySetResult();
        }
    }

    /// <summary>Lets a batch gather for up to FlushInterval, unless a flush or stop wants it now.</summary>
    private async Task PauseAsync()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(abort.Token);
        // A full fence before re-reading the flags, so a flusher either sees this pause or we see its flag.
        Interlocked.Exchange(ref pause, cts);
        try
        {
            if (Volatile.Read(ref flushWaiters) == 0 && !stopping) await Task.Delay(options.FlushInterval, cts.Token);
        }
        catch (OperationCanceledException) when (!abort.IsCancellationRequested)
        {
        }
        finally
        {
            Interlocked.Exchange(ref pause, null);
            cts.Dispose();
        }
    }

    private void EndPause()
    {
        try
        {
            Volatile.Read(ref pause)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The pause ended on its own meanwhile.
        }
    }

    private async Task WriteBatchAsync(List<AuditEntry> batch)
    {
        var delay = FirstRetryDelay;
        while (true)
        {
            var outcome = await TryCopyAsync(batch, 0, batch.Count);
            if (outcome == CopyOutcome.Written) return;
            if (outcome == CopyOutcome.EntryRejected) break;
            await BackOffAsync(ref delay);
        }

        // Something in the batch is unwritable; find it by writing entries one at a time.
        for (var i = 0; i < batch.Count; i++)
        {
            delay = FirstRetryDelay;
            while (true)
            {
                var outcome = await TryCopyAsync(batch, i, 1);
                if (outcome == CopyOutcome.Written)
                {
                    settledOfBatch++;
                    break;
                }
                if (outcome == CopyOutcome.EntryRejected)
                {
                    Interlocked.Increment(ref dropped);
                    RecordLost(batch[i].At);
                    Settle(1);
                    settledOfBatch++;
                    break;
                }
                await BackOffAsync(ref delay);
            }
        }
    }

    private async Task<CopyOutcome> TryCopyAsync(List<AuditEntry> entries, int start, int count)
    {
        var gap = TakeGap();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(abort.Token);
            await AuditLogTable.CopyAsync(connection, gap is null ? null : AuditEntry.ForGap(gap, DateTimeOffset.UtcNow),
                entries, start, count, abort.Token);
        }
        catch (Exception e) when (!abort.IsCancellationRequested)
        {
            if (gap is not null) ReturnGap(gap);
            if (IsStoreFailure(e))
            {
                if (healthy) Log.StoreFailed(logger, e, endpoint, entries.Count);
                healthy = false;
                return CopyOutcome.StoreFailed;
            }
            if (count == 1) Log.EntryRejected(logger, e, entries[start].SessionId, entries[start].At);
            return CopyOutcome.EntryRejected;
        }

        if (gap is not null) Log.GapWritten(logger, gap.LostEntries, gap.From, gap.To);
        if (!healthy)
        {
            healthy = true;
            Log.StoreRecovered(logger, endpoint);
        }
        Settle(count);
        return CopyOutcome.Written;
    }

    /// <summary>A failure of the store itself, as opposed to data it refuses (classes 22 and 23, or values Npgsql can't send).</summary>
    private static bool IsStoreFailure(Exception e) => e switch
    {
        PostgresException pg => !pg.SqlState.StartsWith("22", StringComparison.Ordinal) && !pg.SqlState.StartsWith("23", StringComparison.Ordinal),
        NpgsqlException or IOException or TimeoutException or System.Net.Sockets.SocketException => true,
        _ => false,
    };

    private Task BackOffAsync(ref TimeSpan delay)
    {
        var wait = delay;
        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        return Task.Delay(wait, abort.Token);
    }

    private void Settle(int count)
    {
        Interlocked.Add(ref settled, count);
        Interlocked.Exchange(ref progress, NewProgress()).TrySetResult();
    }

    private void RecordLost(DateTimeOffset at)
    {
        lock (gapLock)
        {
            if (lostCount == 0 || at < lostFrom) lostFrom = at;
            if (lostCount == 0 || at > lostTo) lostTo = at;
            lostCount++;
        }
    }

    private AuditGap? TakeGap()
    {
        if (Interlocked.Read(ref lostCount) == 0) return null;
        lock (gapLock)
        {
            if (lostCount == 0) return null;
            var gap = new AuditGap(lostCount, lostFrom, lostTo);
            lostCount = 0;
            Interlocked.Exchange(ref droppingLogged, 0);
            return gap;
        }
    }

    private void ReturnGap(AuditGap gap)
    {
        lock (gapLock)
        {
            if (lostCount == 0 || gap.From < lostFrom) lostFrom = gap.From;
            if (lostCount == 0 || gap.To > lostTo) lostTo = gap.To;
            lostCount += gap.LostEntries;
        }
    }

    private static TaskCompletionSource NewProgress() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private enum CopyOutcome { Written, StoreFailed, EntryRejected }
}
