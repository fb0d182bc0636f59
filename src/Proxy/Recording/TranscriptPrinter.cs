using System.Globalization;
using System.Text;

namespace TicketGate.Proxy.Recording;

/// <summary>Prints a session's transcript as psql would have shown it, each entry at its original time (scaled by a speed).</summary>
public static class TranscriptPrinter
{
    /// <param name="speed">1 replays in the original timing, 10 ten times faster; 0 prints at once.</param>
    public static async Task PrintAsync(TextWriter output, RecordedSession session, IReadOnlyList<TranscriptEntry> transcript, double speed,
        CancellationToken cancellationToken = default)
    {
        var groups = session.Groups.Count > 0 ? $" ({string.Join(", ", session.Groups)})" : "";
        var ended = session.EndedAt is { } end ? $", ended {end.ToLocalTime():yyyy-MM-dd HH:mm:ss}" : ", still open or cut off";
        await output.WriteLineAsync($"-- session {session.Id}: {session.Subject}{groups} on {session.Connection} ({session.Protocol}), " +
            $"started {session.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}{ended}").ConfigureAwait(false);
        if (session.Truncated)
        {
            await output.WriteLineAsync($"-- the recording is incomplete: {session.OmittedBytes} bytes past the cap were not kept").ConfigureAwait(false);
        }
        long previous = 0;
        foreach (var entry in transcript)
        {
            if (speed > 0 && entry.OffsetUs > previous)
            {
                await Task.Delay(TimeSpan.FromMicroseconds((entry.OffsetUs - previous) / speed), cancellationToken).ConfigureAwait(false);
            }
            previous = Math.Max(previous, entry.OffsetUs);
            await output.WriteAsync(Format(session, entry)).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static string Format(RecordedSession session, TranscriptEntry entry)
    {
        var at = $"[+{entry.OffsetUs / 1_000_000.0:0.000}s] ".ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        switch (entry.Kind)
        {
            case "query":
                text.Append(at).Append(session.Connection).Append("=> ").Append(entry.Text?.TrimEnd());
                if (entry.Text?.TrimEnd().EndsWith(';') != true) text.Append(';');
                text.AppendLine();
                if (entry.Parameters is { Count: > 0 } parameters)
                {
                    text.Append("   -- parameters: ").AppendJoin(", ", parameters.Select((p, i) => $"${i + 1} = {(p is null ? "NULL" : "'" + p + "'")}")).AppendLine();
                }
                break;
            case "result":
                if (entry.Columns is { } columns) AppendTable(text, columns, entry.Rows ?? []);
                else if (entry.Rows is { } lines) foreach (var line in lines) text.AppendLine(line.Count > 0 ? line[0] : "");
                if (entry.Columns is null || !(entry.Tag ?? "").StartsWith("SELECT", StringComparison.Ordinal)) text.AppendLine(entry.Tag);
                text.AppendLine();
                break;
            case "error" or "notice":
                text.Append(at).Append(entry.Severity ?? "ERROR").Append(":  ").AppendLine(entry.Text);
                if (entry.Detail is { } detail) text.Append("DETAIL:  ").AppendLine(detail);
                if (entry.Hint is { } hint) text.Append("HINT:  ").AppendLine(hint);
                break;
            case "stdin":
                text.Append(at).Append(session.Connection).Append("$ ").Append(entry.Text);
                if (entry.Text?.EndsWith('\n') != true) text.AppendLine();
                break;
            case "stdout" or "stderr":
                text.Append(entry.Text);
                break;
            case "status" or "resize":
                text.Append(at).Append("-- ").Append(entry.Kind).Append(": ").AppendLine(entry.Text);
                break;
            case "notification":
                text.Append(at).Append("Asynchronous notification ").AppendLine(entry.Text);
                break;
            case "hold":
                text.Append(at).Append("-- TicketGate held this as request ").Append(entry.RequestId)
                    .Append(" (tier ").Append(entry.Tier).Append(", rule ").Append(entry.Rule).AppendLine(")");
                break;
            case "decision":
                text.Append(at).Append("-- TicketGate decision");
                if (entry.RequestId is { } id) text.Append(" on request ").Append(id);
                text.Append(": ").Append(entry.Outcome);
                if (entry.DecidedBy is { Count: > 0 } by) text.Append(" by ").AppendJoin(", ", by);
                if (entry.Text is { } reason) text.Append(" (").Append(reason).Append(')');
                text.AppendLine();
                break;
            case "terminal":
                text.Append(at).Append("-- ssh ").Append(entry.Text is { } command ? "command: " + command : "interactive shell")
                    .Append(" (").Append(entry.Tag ?? "no terminal").Append(' ').Append(entry.Width).Append('x').Append(entry.Height).AppendLine(")");
                break;
            case "output":
                text.Append(entry.Text);
                break;
            case "input":
                break;
            default:
                text.Append(at).Append("-- ").AppendLine(entry.Text);
                break;
        }
        return text.ToString();
    }

    private static void AppendTable(StringBuilder text, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string?>> rows)
    {
        var widths = new int[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            widths[c] = columns[c].Length;
            foreach (var row in rows) widths[c] = Math.Max(widths[c], c < row.Count ? (row[c] ?? "").Length : 0);
        }
        for (var c = 0; c < columns.Count; c++)
        {
            text.Append(c == 0 ? " " : " | ").Append(Center(columns[c], widths[c]));
        }
        text.AppendLine();
        for (var c = 0; c < columns.Count; c++) text.Append(c == 0 ? "-" : "-+-").Append('-', widths[c]);
        text.AppendLine("-");
        foreach (var row in rows)
        {
            for (var c = 0; c < columns.Count; c++) text.Append(c == 0 ? " " : " | ").Append((c < row.Count ? row[c] ?? "" : "").PadRight(widths[c]));
            text.AppendLine();
        }
        text.Append('(').Append(rows.Count).AppendLine(rows.Count == 1 ? " row)" : " rows)");
    }

    private static string Center(string text, int width)
    {
        var left = (width - text.Length) / 2;
        return (new string(' ', left) + text).PadRight(width);
    }
}
