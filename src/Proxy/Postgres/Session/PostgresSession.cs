using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Masking;
using TicketGate.Proxy.Postgres.Messages;
using TicketGate.Proxy.Postgres.Upstream;
using TicketGate.Proxy.Recording;

namespace TicketGate.Proxy.Postgres.Session;

/// <summary>
/// One agent connection after start-up: a client pump that classifies and forwards (or holds) what the agent sends, and a
/// server pump that relays the upstream's answers and keeps the books (transaction status, statement completions for the audit).
/// </summary>
internal sealed partial class PostgresSession : IAsyncDisposable
{
    private readonly PostgresGateway _gateway;
    private readonly IDuplexPipe _client;
    private readonly UpstreamConnection _upstream;
    private readonly SemaphoreSlim _clientWriteLock = new(1, 1);
    private readonly PreparedStatements _prepared = new();
    private readonly ResponseExpectations _expectations;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private volatile byte _transactionStatus = (byte)'I';
    private volatile TaskCompletionSource? _cancelWhileHeld;
    private readonly string _sessionIdText;
    private readonly SessionRecorder? _recording;

    public PostgresSession(
        PostgresGateway gateway, IDuplexPipe client, UpstreamConnection upstream, AgentIdentity identity, ConnectionDefinition connection,
        string[] identityGroups)
    {
        _gateway = gateway;
        _expectations = new ResponseExpectations(_prepared);
        _client = client;
        _upstream = upstream;
        _logger = gateway.Logger;
        Identity = identity;
        Connection = connection;
        IdentityGroups = identityGroups;
        _sessionIdText = Id.ToString();
        _masker = gateway.Masking.For(connection) is { } masking ? new ResultMasker(masking) : null;
        _recording = gateway.Recording.Options.Enabled
            ? new SessionRecorder(gateway.Recording, new RecordedSession(Id, "postgres", connection.Name, identity.Subject, identity.Groups,
                StartedAt, null, 0, 0, false), gateway.Recording.Options.MaxBytesPerSession)
            : null;
    }

    public Guid Id { get; } = Guid.CreateVersion7();
    public AgentIdentity Identity { get; }
    public string[] IdentityGroups { get; }
    public ConnectionDefinition Connection { get; }
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The upstream's transaction status as its last ReadyForQuery said: I, T or E.</summary>
    public byte TransactionStatus => _transactionStatus;

    public async Task RunAsync(CancellationToken shutdown)
    {
        using var link = shutdown.Register(static s => ((PostgresSession)s!)._stopping.Cancel(), this);
        var clientPump = RunClientPumpAsync();
        var serverPump = RunServerPumpAsync();
        var first = await Task.WhenAny(clientPump, serverPump).ConfigureAwait(false);
        _stopping.Cancel();
        _upstream.Transport.Input.CancelPendingRead();
        _client.Input.CancelPendingRead();
        try
        {
            await Task.WhenAll(clientPump, serverPump).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            Log.SessionPumpEnded(_logger, Id, e.Message);
        }
        // Only a client pump that finished by itself means the client left (closed, Terminate) or was already told why (a
        // protocol violation); at shutdown both pumps are cancelled and either may finish first.
        if (shutdown.IsCancellationRequested && !(first == clientPump && clientPump.IsCompletedSuccessfully))
        {
            await TryWriteFatalAsync(new ServerNotice("FATAL", SqlState.AdminShutdown, "TicketGate is shutting down")).ConfigureAwait(false);
        }
    }

    /// <summary>A CancelRequest naming this session: withdraws a held command, or is passed to the upstream.</summary>
    public void Cancel()
    {
        var held = _cancelWhileHeld;
        if (held is not null)
        {
            held.TrySetResult();
            return;
        }
        if (_upstream.HasBackendKey)
        {
            _ = CancelForwarding.SendAsync(_upstream.EndPoint, _upstream.ProcessId, _upstream.SecretKey, _logger);
        }
    }

    private async Task WriteToClientAsync(Action<IBufferWriter<byte>> write)
    {
        await _clientWriteLock.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            if (_recording is null)
            {
                write(_client.Output);
            }
            else
            {
                // TicketGate's own notices and errors are part of what the agent saw, so the recording keeps them too.
                var own = new ArrayBufferWriter<byte>(256);
                write(own);
                BackendMessages.WriteRaw(_client.Output, own.WrittenSpan);
                _recording.Server(own.WrittenSpan);
                _recording.EndServerBatch();
            }
            await _client.Output.FlushAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _clientWriteLock.Release();
        }
    }

    private async Task TryWriteFatalAsync(ServerNotice fatal)
    {
        try
        {
            if (!await _clientWriteLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false)) return;
            try
            {
                BackendMessages.WriteErrorResponse(_client.Output, fatal);
                await _client.Output.FlushAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            finally
            {
                _clientWriteLock.Release();
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
            // The client is gone; nothing more to tell it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _recording?.End();
        _masker?.Dispose();
        await _upstream.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Session {SessionId} pump ended: {Reason}")]
        public static partial void SessionPumpEnded(ILogger logger, Guid sessionId, string reason);

        // Every hold and decision is in the audit log (`ticketgate audit tail -f`); a console line each costs a contended lock
        // per command at thousands of holds a second (bench/workflow-bench.sh), so these are for debugging.
        [LoggerMessage(2, LogLevel.Debug, "Session {SessionId}: held request {RequestId} ({Tier}, rule {Rule}) for {Subject}")]
        public static partial void CommandHeld(ILogger logger, Guid sessionId, Guid requestId, string tier, string rule, string subject);

        [LoggerMessage(3, LogLevel.Debug, "Session {SessionId}: request {RequestId} {Outcome}")]
        public static partial void HoldEnded(ILogger logger, Guid sessionId, Guid requestId, string outcome);

        [LoggerMessage(4, LogLevel.Warning, "Session {SessionId}: protocol violation: {Problem}")]
        public static partial void ProtocolViolation(ILogger logger, Guid sessionId, string problem);

        [LoggerMessage(5, LogLevel.Error, "Session {SessionId}: approved request {RequestId} does not match the held bytes (stored {Stored}, held {Held}); discarded")]
        public static partial void HashMismatch(ILogger logger, Guid sessionId, Guid requestId, string stored, string held);
    }
}
