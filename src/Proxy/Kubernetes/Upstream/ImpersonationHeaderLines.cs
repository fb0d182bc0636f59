using System.Buffers;

namespace TicketGate.Proxy.Kubernetes.Upstream;

/// <summary>
/// Gives each impersonated group its own <c>Impersonate-Group</c> header line on the wire. The API server reads one group per
/// line, but .NET's HTTP client writes repeated values of a header as one comma-joined line ("a, b", which Kubernetes reads
/// as a single group named "a, b"). So each group is added under its own placeholder name of exactly the same length
/// (<c>Tg-Imp-Group-0000</c>, <c>…-0001</c>), and the connection's plaintext stream renames the placeholders as the request
/// head is written. Renaming keeps every length, so a body that happens to contain the placeholder is altered in place but
/// never re-framed; agents can't send the placeholder themselves (<see cref="ApiServerClient.IsCallerCredential"/>). Used on
/// HTTP/1.1 connections only, which the upstream requests are pinned to.
/// </summary>
internal static class ImpersonationHeaderLines
{
    public const string PlaceholderPrefix = "Tg-Imp-Group-";
    private const int MaxGroups = 10_000;

    // "\r\n" + "Tg-Imp-Group-" + 4 digits + ":"; the name is as long as "Impersonate-Group".
    private static ReadOnlySpan<byte> LineStart => "\r\nTg-Imp-Group-"u8;
    private static ReadOnlySpan<byte> RealName => "Impersonate-Group"u8;

    /// <summary>The placeholder header name of the group at <paramref name="index"/>.</summary>
    public static string Placeholder(int index) =>
        index is >= 0 and < MaxGroups
            ? PlaceholderPrefix + index.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)
            : throw new ArgumentOutOfRangeException(nameof(index), $"An agent can be impersonated with at most {MaxGroups} groups.");

    /// <summary>Renames every complete placeholder line start in <paramref name="bytes"/>; returns how many it renamed.</summary>
    public static int Rename(Span<byte> bytes)
    {
        var renamed = 0;
        var from = 0;
        while (true)
        {
            var at = bytes[from..].IndexOf(LineStart);
            if (at < 0) return renamed;
            at += from;
            var name = at + 2;
            // Four digits and the colon must follow; anything else is left as it is.
            if (name + RealName.Length + 1 > bytes.Length) return renamed;
            var digits = bytes.Slice(name + PlaceholderPrefix.Length, 4);
            if (IsDigits(digits) && bytes[name + RealName.Length] == (byte)':')
            {
                RealName.CopyTo(bytes[name..]);
                renamed++;
            }
            from = name;
        }
    }

    private static bool IsDigits(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
        }
        return true;
    }

    /// <summary>The plaintext stream of one upstream connection: request heads pass through <see cref="Rename"/>.</summary>
    public sealed class RenamingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.IndexOf(LineStart) < 0)
            {
                inner.Write(buffer);
                return;
            }
            var copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                buffer.CopyTo(copy);
                Rename(copy.AsSpan(0, buffer.Length));
                inner.Write(copy, 0, buffer.Length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Span.IndexOf(LineStart) < 0)
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }
            var copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                buffer.Span.CopyTo(copy);
                Rename(copy.AsSpan(0, buffer.Length));
                await inner.WriteAsync(copy.AsMemory(0, buffer.Length), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
