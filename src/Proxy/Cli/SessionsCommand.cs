using System.CommandLine;
using System.Globalization;
using TicketGate.Proxy.Api;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Recording;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate sessions list` finds recorded sessions; `ticketgate replay SESSION_ID` prints one as a psql transcript.</summary>
internal static class SessionsCommand
{
    public static Command Create()
    {
        var subject = new Option<string>("--subject") { Description = "Only sessions of this identity (the token's subject)" };
        var connection = new Option<string>("--connection") { Description = "Only sessions on this connection" };
        var since = new Option<string>("--since") { Description = "Started at or after: a time (2026-05-01T09:00Z) or a duration ago (2h, 30m)" };
        var until = new Option<string>("--until") { Description = "Started before: a time or a duration ago" };
        var limit = new Option<int>("-n", "--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 50 };
        var (dataDir, actAs, token, url) = (CommonOptions.DataDir(), CommonOptions.As(), CommonOptions.Token(), CommonOptions.Url());
        var list = new Command("list", "List recorded sessions, newest first") { subject, connection, since, until, limit, dataDir, actAs, token, url };
        list.SetAction(async (parse, ct) => await CliRun.GuardAsync(async () =>
        {
            using var api = ApiClient.Connect(parse.GetValue(dataDir), parse.GetValue(actAs), parse.GetValue(url), parse.GetValue(token), "alice");
            var query = $"api/sessions?limit={parse.GetValue(limit)}" + Param("subject", parse.GetValue(subject)) + Param("connection", parse.GetValue(connection))
                + Param("from", Time(parse.GetValue(since), "--since")) + Param("to", Time(parse.GetValue(until), "--until"));
            var sessions = await api.GetAsync<List<SessionSummaryView>>(query, ct);
            if (sessions.Count == 0)
            {
                Console.WriteLine("No recorded sessions.");
                return 0;
            }
            foreach (var s in sessions)
            {
                var duration = s.EndedAt is { } end ? DurationText.Format(end - s.StartedAt) : "open";
                Console.WriteLine($"{s.Id}  {s.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {duration,-8} {s.Subject,-12} {s.Connection,-10} " +
                    $"{s.RecordedBytes,10} bytes{(s.Truncated ? " (truncated)" : "")}");
            }
            return 0;
        }));
        return new Command("sessions", "Find recorded sessions") { list };
    }

    public static Command CreateReplay()
    {
        var id = new Argument<string>("session-id") { Description = "The session to replay (from `ticketgate sessions list`, or an approval request's session_id)" };
        var speed = new Option<double>("--speed") { Description = "Playback speed: 1 is the original timing, 10 ten times faster, 0 prints at once", DefaultValueFactory = _ => 1 };
        var asciicast = new Option<bool>("--asciicast") { Description = "Print an SSH session as an asciicast v2 file (for asciinema play) instead of replaying it" };
        var (dataDir, actAs, token, url) = (CommonOptions.DataDir(), CommonOptions.As(), CommonOptions.Token(), CommonOptions.Url());
        var replay = new Command("replay", "Print a recorded session in its original timing: a psql transcript, or an SSH session's terminal output") { id, speed, asciicast, dataDir, actAs, token, url };
        replay.SetAction(async (parse, ct) => await CliRun.GuardAsync(async () =>
        {
            if (parse.GetValue(speed) < 0) throw new CliException("--speed must be 0 (all at once) or more");
            using var api = ApiClient.Connect(parse.GetValue(dataDir), parse.GetValue(actAs), parse.GetValue(url), parse.GetValue(token), "alice");
            var view = await api.GetAsync<SessionView>($"api/sessions/{Uri.EscapeDataString(parse.GetValue(id)!)}", ct);
            if (parse.GetValue(asciicast))
            {
                if (view.Session.Protocol != "ssh") throw new CliException($"session {view.Session.Id} is a {view.Session.Protocol} session; --asciicast is for SSH terminal sessions");
                await AsciicastWriter.WriteAsync(Console.Out, view.Session.ToRecord(), view.Transcript);
                return 0;
            }
            try
            {
                await TranscriptPrinter.PrintAsync(Console.Out, view.Session.ToRecord(), view.Transcript, parse.GetValue(speed), ct);
            }
            catch (OperationCanceledException)
            {
                return 130;
            }
            return 0;
        }));
        return replay;
    }

    private static string Param(string name, string? value) => value is null ? "" : $"&{name}={Uri.EscapeDataString(value)}";

    private static string? Time(string? text, string option)
    {
        if (text is null) return null;
        if (DurationText.TryParse(text, out var ago)) return (DateTimeOffset.UtcNow - ago).ToString("O", CultureInfo.InvariantCulture);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at.ToString("O", CultureInfo.InvariantCulture);
        throw new CliException($"{option} \"{text}\" is neither a time (2026-05-01T09:00Z) nor a duration (2h, 30m)");
    }
}
