using System.Text;
using System.Text.Json;
using TicketGate.Proxy.Recording;

namespace TicketGate.Proxy.Kubernetes.Exec;

/// <summary>
/// Turns a recorded exec/attach session back into a transcript: each WebSocket message is one channel byte and its data
/// (stdin 0, stdout 1, stderr 2, status 3, resize 4; 255 closes a channel in v5), plus the hold and decision notes.
/// </summary>
public static class ExecTranscript
{
    public static IReadOnlyList<TranscriptEntry> Decode(IReadOnlyList<RecordedEvent> events)
    {
        var entries = new List<TranscriptEntry>(events.Count);
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case RecordedEventKind.Client or RecordedEventKind.Server when e.Payload.Length > 0:
                    var kind = (e.Kind, e.Payload[0]) switch
                    {
                        (RecordedEventKind.Client, 0) => "stdin",
                        (RecordedEventKind.Client, 4) => "resize",
                        (RecordedEventKind.Server, 1) => "stdout",
                        (RecordedEventKind.Server, 2) => "stderr",
                        (RecordedEventKind.Server, 3) => "status",
                        _ => null,
                    };
                    if (kind is not null) entries.Add(new TranscriptEntry(e.OffsetUs, kind) { Text = Encoding.UTF8.GetString(e.Payload, 1, e.Payload.Length - 1) });
                    break;
                case RecordedEventKind.Hold:
                    var hold = JsonSerializer.Deserialize<HoldNote>(e.Payload, RecordingJson.Options)!;
                    entries.Add(new TranscriptEntry(e.OffsetUs, "hold") { RequestId = hold.RequestId, Tier = hold.Tier, Rule = hold.Rule, Text = hold.Statement });
                    break;
                case RecordedEventKind.Decision:
                    var decision = JsonSerializer.Deserialize<DecisionNote>(e.Payload, RecordingJson.Options)!;
                    entries.Add(new TranscriptEntry(e.OffsetUs, "decision")
                    {
                        RequestId = decision.RequestId, Outcome = decision.Outcome, DecidedBy = decision.DecidedBy, Text = decision.Reason,
                    });
                    break;
                case RecordedEventKind.Truncated:
                    entries.Add(new TranscriptEntry(e.OffsetUs, "truncated") { Text = "the session reached its recording cap; what followed was not kept" });
                    break;
            }
        }
        return entries;
    }
}
