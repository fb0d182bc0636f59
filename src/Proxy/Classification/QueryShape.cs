namespace TicketGate.Proxy.Classification;

/// <summary>
/// The shape of a one-statement query with its numbers blanked out ("SELECT abalance FROM a WHERE aid = #"), so queries that
/// differ only in numeric literals share one real parse. Numbers never change what a statement does or which tables it names.
/// Only texts whose tokens are unambiguous without a parser get a shape: plain ASCII with no quotes, no dollar signs, no
/// backslashes, no comments and no semicolon but a trailing one. Everything else is parsed every time.
/// </summary>
internal static class QueryShape
{
    public const int MaxLength = 2048;

    /// <summary>Writes the shape into <paramref name="shape"/>; false when the text doesn't qualify.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> sql, Span<char> shape, out int length)
    {
        length = 0;
        if (sql.Length == 0 || sql.Length > MaxLength || shape.Length < sql.Length) return false;
        var end = sql.Length;
        while (end > 0 && (IsSpace(sql[end - 1]) || sql[end - 1] == (byte)';')) end--;
        var previous = (byte)' ';
        for (var i = 0; i < end; i++)
        {
            var c = sql[i];
            switch (c)
            {
                case >= 0x80 or (byte)'\'' or (byte)'"' or (byte)'$' or (byte)'\\' or (byte)';' or 0:
                    return false;
                case (byte)'-' when i + 1 < end && sql[i + 1] == (byte)'-':
                case (byte)'/' when i + 1 < end && sql[i + 1] == (byte)'*':
                    return false;
            }
            if (IsDigit(c) && !IsIdentifierPart(previous))
            {
                // A number starts here: every digit of the run becomes one '#'.
                while (i + 1 < end && IsDigit(sql[i + 1])) i++;
                shape[length++] = '#';
                previous = (byte)'0';
                continue;
            }
            shape[length++] = (char)c;
            previous = c;
        }
        return length > 0;
    }

    /// <summary>The statement's own text as the classifier would cut it: trimmed, without the trailing semicolon.</summary>
    public static string StatementText(ReadOnlySpan<byte> sql)
    {
        var start = 0;
        var end = sql.Length;
        while (start < end && IsSpace(sql[start])) start++;
        while (end > start && (IsSpace(sql[end - 1]) || sql[end - 1] == (byte)';')) end--;
        return System.Text.Encoding.ASCII.GetString(sql[start..end]);
    }

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v';

    private static bool IsIdentifierPart(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'_';
}
