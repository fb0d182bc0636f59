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
    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false, readerScheduler: PipeScheduler.Inline));
    private readonly Task _reading;

    public TlsClientTransport(SslStream tls)
    {
        _tls = tls;
        Output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        _reading = ReadAsync();
    }

    public PipeReader Input => _input.Reader;
    public PipeWriter Output { get; }

    private async Task ReadAsync()
    {
        var writer = _input.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(8192);
                var read = await _tls.ReadAsync(memory).ConfigureAwait(false);
                if (read == 0) break;
                writer.Advance(read);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted) break;
            }
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Output.CompleteAsync().ConfigureAwait(false);
        await _tls.DisposeAsync().ConfigureAwait(false);
        await _reading.ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
    }
}
