using System.CommandLine;
using TicketGate.Proxy.Api;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate audit tail`: the newest audit entries, and with -f the ones that follow.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var lines = new Option<int>("-n", "--lines") { Description = "How many recent entries", DefaultValueFactory = _ => 20 };
        var follow = new Option<bool>("-f", "--follow") { Description = "Keep printing new entries until Ctrl-C" };
        var (dataDir, actAs, token, url) = (CommonOptions.DataDir(), CommonOptions.As(), CommonOptions.Token(), CommonOptions.Url());
        var tail = new Command("tail", "Show recent audit entries") { lines, follow, dataDir, actAs, token, url };
        tail.SetAction(async (parse, ct) => await CliRun.GuardAsync(async () =>
        {
            using var api = ApiClient.Connect(parse.GetValue(dataDir), parse.GetValue(actAs), parse.GetValue(url), parse.GetValue(token), "alice");
            long last = 0;
            foreach (var entry in await api.GetAsync<List<AuditView>>($"api/audit?limit={parse.GetValue(lines)}", ct))
            {
                Print(entry);
                last = Math.Max(last, entry.Id);
            }
            while (parse.GetValue(follow) && !ct.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                foreach (var entry in await api.GetAsync<List<AuditView>>($"api/audit?limit=1000&after={last}", ct))
                {
                    Print(entry);
                    last = Math.Max(last, entry.Id);
                }
            }
            return 0;
        }));
        var command = new Command("audit", "Read the audit log") { tail };
        return command;
    }

    private static void Print(AuditView e)
    {
        var who = e.DecidedBy.Count > 0 ? $" by {string.Join(",", e.DecidedBy)}" : "";
        var request = e.RequestId is { } id ? $" request {id}" : "";
        var outcome = e.SqlState is { } state ? $" SQLSTATE {state}" : e.RowsAffected is { } rows ? $" {e.CommandTag} {rows}" : e.CommandTag is { } tag ? $" {tag}" : "";
        var statement = e.Statement.ReplaceLineEndings(" ");
        if (statement.Length > 100) statement = statement[..99] + "…";
        Console.WriteLine($"{e.At.ToLocalTime():yyyy-MM-dd HH:mm:ss.fff} {e.Subject,-10} {e.Connection,-8} {e.Decision,-9} {e.Tier ?? "-",-8} {e.StatementClass ?? "-",-9} {statement}{request}{who}{outcome} ({e.DurationUs} µs)");
    }
}
