using System.Text;

namespace TicketGate.Integrations.Tickets;

/// <summary>The held statement as it fits in a ticket: whole, or cut at a line (or at least a character) boundary with a note.</summary>
public sealed record HeldStatementText(string Text, bool Truncated, int OriginalBytes, int OriginalLines, string? Note)
{
    /// <summary>Ticket fields hold far more, but approvers read the start; the full text stays on TicketGate's request page.</summary>
    public const int DefaultMaxBytes = 16 * 1024;

    public static HeldStatementText From(string statement, Uri requestPage, int maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 64);
        var totalBytes = Encoding.UTF8.GetByteCount(statement);
        var totalLines = CountLines(statement);
        if (totalBytes <= maxBytes) return new HeldStatementText(statement, false, totalBytes, totalLines, null);

        var cut = CharsWithinBytes(statement, maxBytes);
        // Prefer ending on a whole line when one ends in the last quarter of the budget; otherwise keep every whole character.
        var lineEnd = statement.LastIndexOf('\n', cut - 1, cut);
        if (lineEnd >= 0 && Encoding.UTF8.GetByteCount(statement.AsSpan(0, lineEnd)) >= maxBytes * 3 / 4) cut = lineEnd;
        var shown = statement[..cut].TrimEnd('\r');
        var shownBytes = Encoding.UTF8.GetByteCount(shown);
        var shownLines = CountLines(shown);
        var note = $"Statement truncated: showing the first {shownBytes} of {totalBytes} bytes ({shownLines} of {totalLines} lines). " +
                   $"The full statement is on {requestPage}";
        return new HeldStatementText(shown, true, totalBytes, totalLines, note);
    }

    /// <summary>The number of chars whose UTF-8 form fits in <paramref name="maxBytes"/>, never splitting a surrogate pair.</summary>
    private static int CharsWithinBytes(string text, int maxBytes)
    {
        var bytes = 0;
        var i = 0;
        while (i < text.Length)
        {
            int width;
            int chars;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                width = 4;
                chars = 2;
            }
            else
            {
                var c = text[i];
                width = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
                chars = 1;
            }
            if (bytes + width > maxBytes) break;
            bytes += width;
            i += chars;
        }
        return i;
    }

    private static int CountLines(string text)
    {
        if (text.Length == 0) return 0;
        var lines = 1;
        foreach (var c in text)
        {
            if (c == '\n') lines++;
        }
        return text[^1] == '\n' ? lines - 1 : lines;
    }
}
