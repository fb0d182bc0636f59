using System.IO.Pipelines;
using System.Net.Security;

namespace TicketGate.Proxy.Postgres.Tls;

/// <summary>
/// A client connection after the TLS handshake, as pipes. Input is a real <see cref="Pipe"/> filled from the SslStream so the
/// session can look at pipelined bytes again after a hold (a stream-backed reader would not show examined bytes twice).
/// </summary>
internal sealed class TlsClientTransport : IDuplexPipe, IAsyncDisposable
{
    private readonly SslStream _tls;
    private readonly Pipe _input;
    // Disposing the SslStream doesn't end a read waiting on the client's socket: without this the gateway could not hang up on a
    // client that stays silent (after a FATAL, at shutdown) until the client itself closed.
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    /// <param name="maxMessageBytes">The largest message the session buffers whole: the pipe must hold it without pausing the reader.</param>
    public TlsClientTransport(SslStream tls, int maxMessageBytes)
    {
        _tls = tls;
        var pause = Math.Max(1024L * 1024, maxMessageBytes + 64L * 1024);
        _input = new Pipe(new PipeOptions(pauseWriterThreshold: pause, resumeWriterThreshold: pause / 2, useSynchronizationContext: false,
            readerScheduler: PipeScheduler.Inline));
        Output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        _reading = ReadAsync();
    }

    public PipeReader Input => _input.Reader;
    public SslApplicationProtocol ApplicationProtocol => _tls.NegotiatedApplicationProtocol;
    public PipeWriter Output { get; }

    private async Task ReadAsync()
    {
        var writer = _input.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(8192);
                var read = await _tls.ReadAsync(memory, _stop.Token).ConfigureAwait(false);
                if (read == 0) break;
                writer.Advance(read);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted) break;
            }
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Output.CompleteAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _reading.ConfigureAwait(false);
        await _tls.DisposeAsync().ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
