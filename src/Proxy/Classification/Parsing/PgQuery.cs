using System.Buffers;
using System.Runtime.InteropServices;

namespace TicketGate.Proxy.Classification.Parsing;

/// <summary>
/// The libpg_query entry points TicketGate uses. Every call takes the text as UTF-8 without a terminator
/// (the terminator is added here) and hands back native memory that the caller disposes.
/// libpg_query keeps its memory contexts per thread, so calls from several threads at once are safe.
/// </summary>
public static unsafe partial class PgQuery
{
    private const int StackLimit = 1024;

    static PgQuery() => PgQueryLibrary.RegisterResolver(typeof(PgQuery).Assembly);

    /// <summary>Parses SQL into libpg_query's JSON parse tree.</summary>
    public static PgQueryOutput Parse(ReadOnlySpan<byte> utf8Sql)
    {
        byte[]? rented = null;
        var terminated = Terminate(utf8Sql, utf8Sql.Length < StackLimit ? stackalloc byte[StackLimit] : Rent(utf8Sql.Length, out rented));
        try
        {
            fixed (byte* input = terminated)
            {
                var result = Native.pg_query_parse(input);
                return new PgQueryOutput(result.parse_tree, result.error, result, default);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Parses CREATE FUNCTION statements written in PL/pgSQL into libpg_query's JSON tree of their bodies.</summary>
    public static PgQueryOutput ParsePlpgsql(ReadOnlySpan<byte> utf8CreateFunction)
    {
        byte[]? rented = null;
        var terminated = Terminate(utf8CreateFunction,
            utf8CreateFunction.Length < StackLimit ? stackalloc byte[StackLimit] : Rent(utf8CreateFunction.Length, out rented));
        try
        {
            fixed (byte* input = terminated)
            {
                var result = Native.pg_query_parse_plpgsql(input);
                return new PgQueryOutput(result.plpgsql_funcs, result.error, default, result);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Splits text into statements with the scanner only, so text that does not parse can still be shown statement by statement.
    /// Returns null when even the scanner fails (an unterminated quote, for example).
    /// </summary>
    public static StatementSpan[]? SplitWithScanner(ReadOnlySpan<byte> utf8Sql)
    {
        byte[]? rented = null;
        var terminated = Terminate(utf8Sql, utf8Sql.Length < StackLimit ? stackalloc byte[StackLimit] : Rent(utf8Sql.Length, out rented));
        try
        {
            fixed (byte* input = terminated)
            {
                var result = Native.pg_query_split_with_scanner(input);
                try
                {
                    if (result.error is not null) return null;
                    var spans = new StatementSpan[result.n_stmts];
                    for (var i = 0; i < spans.Length; i++)
                    {
                        var stmt = result.stmts[i];
                        spans[i] = new StatementSpan(stmt->stmt_location, stmt->stmt_len);
                    }
                    return spans;
                }
                finally
                {
                    Native.pg_query_free_split_result(result);
                }
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static Span<byte> Rent(int length, out byte[]? rented)
    {
        rented = ArrayPool<byte>.Shared.Rent(length + 1);
        return rented;
    }

    private static Span<byte> Terminate(ReadOnlySpan<byte> text, Span<byte> buffer)
    {
        text.CopyTo(buffer);
        buffer[text.Length] = 0;
        return buffer[..(text.Length + 1)];
    }

    internal static void Free(in Native.ParseResult parse, in Native.PlpgsqlParseResult plpgsql)
    {
        if (parse.parse_tree is not null || parse.error is not null || parse.stderr_buffer is not null)
            Native.pg_query_free_parse_result(parse);
        if (plpgsql.plpgsql_funcs is not null || plpgsql.error is not null)
            Native.pg_query_free_plpgsql_parse_result(plpgsql);
    }

    /// <summary>The C structs of pg_query.h, field for field.</summary>
    internal static partial class Native
    {
        [StructLayout(LayoutKind.Sequential)]
        public struct Error
        {
            public byte* message;
            public byte* funcname;
            public byte* filename;
            public int lineno;
            public int cursorpos;
            public byte* context;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct ParseResult
        {
            public byte* parse_tree;
            public byte* stderr_buffer;
            public Error* error;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct PlpgsqlParseResult
        {
            public byte* plpgsql_funcs;
            public Error* error;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct SplitStmt
        {
            public int stmt_location;
            public int stmt_len;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct SplitResult
        {
            public SplitStmt** stmts;
            public int n_stmts;
            public byte* stderr_buffer;
            public Error* error;
        }

        [LibraryImport(PgQueryLibrary.ImportName)]
        public static partial ParseResult pg_query_parse(byte* input);

        [LibraryImport(PgQueryLibrary.ImportName)]
        public static partial void pg_query_free_parse_result(ParseResult result);

        [LibraryImport(PgQueryLibrary.ImportName)]
        public static partial PlpgsqlParseResult pg_query_parse_plpgsql(byte* input);

        [LibraryImport(PgQueryLibrary.ImportName)]
        public static partial void pg_query_free_plpgsql_parse_result(PlpgsqlParseResult result);

        [LibraryImport(PgQueryLibrary.ImportName)]
        public static partial SplitResult pg_query_split_with_scanner(byte* input);

        [LibraryImport(PgQueryLibrary.ImportName)]
        public static partial void pg_query_free_split_result(SplitResult result);
    }
}

/// <summary>Where one statement sits in the UTF-8 input: byte offset and byte length (0 = to the end).</summary>
public readonly record struct StatementSpan(int Location, int Length);
