using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using TicketGate.Proxy.Configuration;
using TicketGate.Workflows.Storage;

namespace TicketGate.Proxy.Recording;

/// <summary>
/// Writes session recordings to the state database in the background, batched like the audit log: the data path only queues
/// (never waits), a writer gathers up to <see cref="RecordingOptions.BatchSize"/> items for up to
/// <see cref="RecordingOptions.FlushInterval"/> and writes them in one transaction (session rows upserted, events by binary COPY),
/// retrying with backoff while the store fails. When the queue is full an event is dropped and its session marked truncated.
/// </summary>
public sealed partial class RecordingLog : IHostedService, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly RecordingOptions _options;
    private readonly ILogger<RecordingLog> _logger;
    private readonly Channel<object> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly string _endpoint;
    private Task? _writer;
    private long _accepted;
    private long _settled;
    private long _dropped;
    private TaskCompletionSource _progress = NewProgress();

    public RecordingLog(NpgsqlDataSource dataSource, RecordingOptions options, ILogger<RecordingLog> logger)
    {
        _dataSource = dataSource;
        _options = options;
        _logger = logger;
        _endpoint = StateDatabase.Describe(dataSource);
        _queue = Channel.CreateBounded<object>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public RecordingOptions Options => _options;

    /// <summary>Items never written since start (queue full or store rejected them).</summary>
    public long DroppedItems => Interlocked.Read(ref _dropped);

    internal void TryStart(RecordedSession session) => TryQueue(session);

    internal void TryEnd(RecordedSession session) => TryQueue(session);

    internal bool TryAppend(RecordedEvent recordedEvent) => TryQueue(recordedEvent);

    private bool TryQueue(object item)
    {
        if (_queue.Writer.TryWrite(item))
        {
            Interlocked.Increment(ref _accepted);
            return true;
        }
        if (Interlocked.Increment(ref _dropped) == 1) Log.Dropping(_logger, _options.QueueCapacity);
        return false;
    }

    /// <summary>Returns once everything queued before the call is written (or given up on).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var running = _writer ?? throw new InvalidOperationException("The recording log isn't running; start it before flushing.");
        var target = Interlocked.Read(ref _accepted);
        while (true)
        {
            // Read the signal before the count: the writer counts first, then signals.
            var next = Volatile.Read(ref _progress).Task;
            if (Interlocked.Read(ref _settled) >= target || running.IsCompleted) return;
            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer ??= Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_writer is null) return;
        try
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await _writer.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await StopAsync(deadline.Token).ConfigureAwait(false);
        }
        _abort.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var sessions = new List<RecordedSession>();
        var events = new List<RecordedEvent>();
        try
        {
            while (await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                if (reader.Count < _options.BatchSize) await Task.Delay(_options.FlushInterval, _abort.Token).ConfigureAwait(false);
                var taken = 0;
                while (taken < _options.BatchSize && reader.TryRead(out var item))
                {
                    taken++;
                    if (item is RecordedEvent e) events.Add(e);
                    else sessions.Add((RecordedSession)item);
                }
                await WriteBatchAsync(sessions, events).ConfigureAwait(false);
                Interlocked.Add(ref _settled, taken);
                Interlocked.Exchange(ref _progress, NewProgress()).TrySetResult();
                sessions.Clear();
                events.Clear();
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            var lost = sessions.Count + events.Count;
            while (reader.TryRead(out _)) lost++;
            Interlocked.Add(ref _dropped, lost);
            Log.LostAtShutdown(_logger, lost, _endpoint);
        }
        finally
        {
            Interlocked.Exchange(ref _progress, NewProgress()).TrySetResult();
        }
    }

    private async Task WriteBatchAsync(List<RecordedSession> sessions, List<RecordedEvent> events)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var failing = false;
        while (true)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(_abort.Token).ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(_abort.Token).ConfigureAwait(false);
                await RecordingTables.UpsertSessionsAsync(connection, sessions, _abort.Token).ConfigureAwait(false);
                await RecordingTables.CopyEventsAsync(connection, events, _abort.Token).ConfigureAwait(false);
                await transaction.CommitAsync(_abort.Token).ConfigureAwait(false);
                if (failing) Log.StoreRecovered(_logger, _endpoint);
                return;
            }
            catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal))
            {
                // Data the store refuses won't be taken on a retry either.
                Interlocked.Add(ref _dropped, sessions.Count + events.Count);
                Log.BatchRejected(_logger, e.SqlState, sessions.Count + events.Count);
                return;
            }
            catch (Exception e) when (!_abort.IsCancellationRequested && e is NpgsqlException or IOException or TimeoutException)
            {
                if (!failing) Log.StoreFailed(_logger, _endpoint, e.Message);
                failing = true;
                await Task.Delay(delay, _abort.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private static TaskCompletionSource NewProgress() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Warning, "Session recording queue is full ({Capacity} items); recordings are being cut short")]
        public static partial void Dropping(ILogger logger, int capacity);

        [LoggerMessage(301, LogLevel.Warning, "Session recordings can't be written to {Endpoint}: {Reason}; retrying")]
        public static partial void StoreFailed(ILogger logger, string endpoint, string reason);

        [LoggerMessage(302, LogLevel.Information, "Session recordings are written to {Endpoint} again")]
        public static partial void StoreRecovered(ILogger logger, string endpoint);

        [LoggerMessage(303, LogLevel.Error, "The state database refused a batch of {Count} recording items (SQLSTATE {SqlState}); they are lost")]
        public static partial void BatchRejected(ILogger logger, string sqlState, int count);

        [LoggerMessage(304, LogLevel.Warning, "{Count} recording items were not written to {Endpoint} before shutdown")]
        public static partial void LostAtShutdown(ILogger logger, long count, string endpoint);
    }
}
