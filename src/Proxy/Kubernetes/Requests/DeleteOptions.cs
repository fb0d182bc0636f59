using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace TicketGate.Proxy.Kubernetes.Requests;

/// <summary>
/// A delete carries its options in the body (kubectl delete --dry-run=server sends {"dryRun":["All"]} there, not in the query),
/// so a delete's body is read before the policy sees the request. The body is kept for forwarding.
/// </summary>
internal static class DeleteOptions
{
    public static async Task<bool> IsDryRunAsync(HttpContext context, int limit)
    {
        var request = context.Request;
        if (request.ContentLength is 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }) return false;
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) break;
        }
        var body = buffer.ToArray();
        // Whatever was read goes upstream (or into the hold) as if never touched; an over-long body is refused by the hold.
        request.Body = body.Length > limit ? new ConcatenatedStream(body, request.Body) : new MemoryStream(body, writable: false);
        if (body.Length > limit) return false;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("dryRun", out var dryRun) && dryRun.ValueKind == JsonValueKind.Array)
            {
                foreach (var value in dryRun.EnumerateArray())
                {
                    if (value.ValueKind == JsonValueKind.String && value.GetString() == "All") return true;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (protobuf, or garbage): not a dry run as far as TicketGate can tell; the API server judges the rest.
        }
        return false;
    }

    /// <summary>The bytes already read, then the rest of the original stream.</summary>
    private sealed class ConcatenatedStream(byte[] head, Stream tail) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (_position < head.Length)
            {
                var count = Math.Min(destination.Length, head.Length - _position);
                head.AsMemory(_position, count).CopyTo(destination);
                _position += count;
                return count;
            }
            return await tail.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
