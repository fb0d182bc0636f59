using System.Text;
using System.Text.Json;

namespace TicketGate.Proxy.Recording;

/// <summary>An SSH session's command (null for an interactive shell) and terminal, as its 'terminal' event records them.</summary>
public sealed record TerminalNote(string? Command, string? Term, int Width, int Height);

/// <summary>
/// Turns an SSH session's events into a transcript: a terminal entry (command, TERM, size; again on each resize), the output the
/// agent saw (stdout and stderr as they arrived, UTF-8 decoded across event boundaries), what the agent sent, and holds and decisions.
/// </summary>
public static class TerminalTranscript
{
    public static IReadOnlyList<TranscriptEntry> Decode(IReadOnlyList<RecordedEvent> events)
    {
        var entries = new List<TranscriptEntry>();
        var output = Encoding.UTF8.GetDecoder();
        var input = Encoding.UTF8.GetDecoder();
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case RecordedEventKind.Terminal:
                    {
                        var note = JsonSerializer.Deserialize<TerminalNote>(e.Payload, RecordingJson.Options)!;
                        entries.Add(new TranscriptEntry(e.OffsetUs, "terminal") { Text = note.Command, Tag = note.Term, Width = note.Width, Height = note.Height });
                        break;
                    }
                case RecordedEventKind.Server:
                    entries.Add(new TranscriptEntry(e.OffsetUs, "output") { Text = DecodeText(output, e.Payload) });
                    break;
                case RecordedEventKind.Client:
                    entries.Add(new TranscriptEntry(e.OffsetUs, "input") { Text = DecodeText(input, e.Payload) });
                    break;
                case RecordedEventKind.Hold:
                    {
                        var note = JsonSerializer.Deserialize<HoldNote>(e.Payload, RecordingJson.Options)!;
                        entries.Add(new TranscriptEntry(e.OffsetUs, "hold") { RequestId = note.RequestId, Tier = note.Tier, Rule = note.Rule, Text = note.Statement });
                        break;
                    }
                case RecordedEventKind.Decision:
                    {
                        var note = JsonSerializer.Deserialize<DecisionNote>(e.Payload, RecordingJson.Options)!;
                        entries.Add(new TranscriptEntry(e.OffsetUs, "decision") { RequestId = note.RequestId, Outcome = note.Outcome, DecidedBy = note.DecidedBy, Text = note.Reason });
                        break;
                    }
                default:
                    entries.Add(new TranscriptEntry(e.OffsetUs, "truncated") { Text = "the session reached its recording cap; what followed was not kept" });
                    break;
            }
        }
        return entries;
    }

    private static string DecodeText(Decoder decoder, byte[] bytes)
    {
        var chars = new char[decoder.GetCharCount(bytes, flush: false)];
        decoder.GetChars(bytes, chars, flush: false);
        return new string(chars);
    }
}

/// <summary>Writes an SSH session's transcript as an asciicast v2 file (asciinema's format: a JSON header line, then [time, code, data] lines).</summary>
public static class AsciicastWriter
{
    public static async Task WriteAsync(TextWriter output, RecordedSession session, IReadOnlyList<TranscriptEntry> transcript)
    {
        var first = transcript.FirstOrDefault(e => e.Kind == "terminal");
        var header = new Dictionary<string, object?>
        {
            ["version"] = 2,
            ["width"] = first?.Width is > 0 ? first.Width : 80,
            ["height"] = first?.Height is > 0 ? first.Height : 24,
            ["timestamp"] = session.StartedAt.ToUnixTimeSeconds(),
            ["title"] = $"{session.Subject} on {session.Connection}: {first?.Text ?? "interactive shell"}",
            ["env"] = new Dictionary<string, string> { ["TERM"] = first?.Tag ?? "xterm", ["SHELL"] = "/bin/sh" },
        };
        await output.WriteLineAsync(JsonSerializer.Serialize(header)).ConfigureAwait(false);
        var seenTerminal = false;
        foreach (var entry in transcript)
        {
            var time = Math.Round(entry.OffsetUs / 1_000_000.0, 6);
            string? line = entry.Kind switch
            {
                "output" => Event(time, "o", entry.Text ?? ""),
                "input" => Event(time, "i", entry.Text ?? ""),
                // The first terminal entry is the header; later ones are resizes.
                "terminal" when seenTerminal => Event(time, "r", $"{entry.Width}x{entry.Height}"),
                "hold" => Event(time, "m", $"TicketGate held request {entry.RequestId} (tier {entry.Tier}, rule {entry.Rule})"),
                "decision" => Event(time, "m", $"TicketGate decision: {entry.Outcome}{(entry.DecidedBy is { Count: > 0 } by ? " by " + string.Join(", ", by) : "")}"),
                _ => null,
            };
            if (entry.Kind == "terminal") seenTerminal = true;
            if (line is not null) await output.WriteLineAsync(line).ConfigureAwait(false);
        }
        await output.FlushAsync().ConfigureAwait(false);
    }

    private static string Event(double time, string code, string data) => JsonSerializer.Serialize(new object[] { time, code, data });
}
