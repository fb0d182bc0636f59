using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace TicketGate.Proxy.Classification.Parsing;

/// <summary>
/// What libpg_query returned for one parse: the JSON tree, read in place from native memory, or the parser's error.
/// The JSON stays valid until disposal, so a JsonDocument over <see cref="MemoryManager{T}.Memory"/> must be disposed first.
/// </summary>
public sealed unsafe class PgQueryOutput : MemoryManager<byte>
{
    private readonly byte* json;
    private readonly int jsonLength;
    private PgQuery.Native.ParseResult parseResult;
    private PgQuery.Native.PlpgsqlParseResult plpgsqlResult;
    private bool freed;

    internal PgQueryOutput(byte* json, PgQuery.Native.Error* error, PgQuery.Native.ParseResult parse, PgQuery.Native.PlpgsqlParseResult plpgsql)
    {
        parseResult = parse;
        plpgsqlResult = plpgsql;
        if (error is not null)
        {
            ErrorMessage = error->message is null ? "the parser failed without a message" : Marshal.PtrToStringUTF8((nint)error->message);
            ErrorCursor = error->cursorpos;
            return;
        }
        this.json = json;
        jsonLength = json is null ? 0 : MemoryMarshal.CreateReadOnlySpanFromNullTerminated(json).Length;
    }

    /// <summary>The parser's message when the text did not parse.</summary>
    public string? ErrorMessage { get; }

    /// <summary>1-based character position of the error in the input; 0 when the parser gave none.</summary>
    public int ErrorCursor { get; }

    public bool Failed => ErrorMessage is not null;

    /// <summary>The parse tree as UTF-8 JSON, straight from native memory.</summary>
    public ReadOnlySpan<byte> Json
    {
        get
        {
            ObjectDisposedException.ThrowIf(freed, this);
            return new ReadOnlySpan<byte>(json, jsonLength);
        }
    }

    /// <summary>The parser's message with where it happened, as shown to people.</summary>
    public string? DescribeError() => ErrorMessage is null ? null
        : ErrorCursor > 0 ? $"{ErrorMessage} (at character {ErrorCursor})" : ErrorMessage;

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(freed, this);
        return new Span<byte>(json, jsonLength);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(freed, this);
        return new MemoryHandle(json + elementIndex);
    }

    public override void Unpin()
    {
        // Native memory never moves.
    }

    protected override void Dispose(bool disposing)
    {
        if (freed) return;
        freed = true;
        PgQuery.Free(parseResult, plpgsqlResult);
        parseResult = default;
        plpgsqlResult = default;
    }

    public override string ToString() => ErrorMessage ?? Encoding.UTF8.GetString(Json);
}
