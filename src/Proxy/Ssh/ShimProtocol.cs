using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// What the bastion's shim and TicketGate say to each other over the Unix socket: frames of one kind byte, a big-endian uint32
/// length and the payload. The shim opens with <see cref="Hello"/>; TicketGate answers with notices, then <see cref="Start"/> when
/// the command may run, the output, and finally <see cref="Exit"/>.
/// </summary>
public static class ShimFrame
{
    /// <summary>Shim → TicketGate: <see cref="ShimHello"/> as JSON.</summary>
    public const byte Hello = (byte)'H';
    /// <summary>Shim → TicketGate: bytes the agent typed or piped.</summary>
    public const byte Stdin = (byte)'i';
    /// <summary>Shim → TicketGate: the agent's input ended.</summary>
    public const byte StdinClosed = (byte)'c';
    /// <summary>Shim → TicketGate: the terminal's new size, two uint32 (columns, rows).</summary>
    public const byte Resize = (byte)'r';
    /// <summary>TicketGate → shim: a line for the agent's stderr (the hold notice, a refusal).</summary>
    public const byte Notice = (byte)'n';
    /// <summary>TicketGate → shim: approved and connected; start relaying (raw terminal mode for a PTY).</summary>
    public const byte Start = (byte)'g';
    public const byte Stdout = (byte)'o';
    public const byte Stderr = (byte)'e';
    /// <summary>TicketGate → shim: the exit status, an int32; the last frame.</summary>
    public const byte Exit = (byte)'x';

    public const int MaxPayload = 256 * 1024;

    public static async ValueTask WriteAsync(Stream stream, byte kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        header[0] = kind;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)payload.Length);
        await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        if (payload.Length > 0) await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next frame, or null when the other side closed the socket between frames.</summary>
    public static async ValueTask<(byte Kind, byte[] Payload)?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0) return null;
        if (read < header.Length) throw new EndOfStreamException("the socket closed inside a frame header");
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > MaxPayload) throw new InvalidDataException($"a frame of {length} bytes is over the limit of {MaxPayload}");
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        return (header[0], payload);
    }

    public static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Size(int columns, int rows)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Math.Max(0, columns));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), (uint)Math.Max(0, rows));
        return bytes;
    }

    public static (int Columns, int Rows) ReadSize(ReadOnlySpan<byte> payload) => payload.Length < 8
        ? throw new InvalidDataException("a resize frame holds two uint32")
        : ((int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(payload), 10_000), (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(payload[4..]), 10_000));
}

/// <summary>What the shim read from sshd's environment: the agent's command, target, connection, certificate and terminal.</summary>
public sealed record ShimHello
{
    /// <summary>SSH_ORIGINAL_COMMAND; null for an interactive shell.</summary>
    public string? Command { get; init; }
    /// <summary>TG_TARGET, set by the agent's ssh config (SetEnv) and let through by AcceptEnv.</summary>
    public string? Target { get; init; }
    /// <summary>SSH_CONNECTION: client address and port, server address and port.</summary>
    public string? Connection { get; init; }
    /// <summary>The contents of the SSH_USER_AUTH file: "publickey ALGORITHM BASE64" per accepted method.</summary>
    public string? UserAuth { get; init; }
    /// <summary>Whether sshd gave the session a terminal (SSH_TTY set).</summary>
    public bool Pty { get; init; }
    public string? Term { get; init; }
    public int Columns { get; init; }
    public int Rows { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
