using System.CommandLine;
using System.Text.Json;
using TicketGate.Proxy.Api;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate requests`: list, approve and reject held commands through TicketGate's API.</summary>
internal static class RequestsCommand
{
    public static Command Create()
    {
        var command = new Command("requests", "List, approve and reject held commands");
        command.Add(List());
        command.Add(Decide("approve", approve: true));
        command.Add(Decide("reject", approve: false));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var status = new Option<string>("--status") { Description = "Only requests in this status: pending, approved, rejected, withdrawn, expired" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 50 };
        var (dataDir, actAs, token, url) = (CommonOptions.DataDir(), CommonOptions.As(), CommonOptions.Token(), CommonOptions.Url());
        var command = new Command("list", "List requests (pending first in importance: newest first)") { json, status, limit, dataDir, actAs, token, url };
        command.SetAction(async (parse, ct) => await CliRun.GuardAsync(async () =>
        {
            using var api = ApiClient.Connect(parse.GetValue(dataDir), parse.GetValue(actAs), parse.GetValue(url), parse.GetValue(token), "alice");
            var query = $"api/requests?limit={parse.GetValue(limit)}" + (parse.GetValue(status) is { } s ? "&status=" + Uri.EscapeDataString(s) : "");
            var requests = await api.GetAsync<List<RequestView>>(query, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(requests, TicketGateApi.Json));
                return 0;
            }
            if (requests.Count == 0)
            {
                Console.WriteLine("No requests.");
                return 0;
            }
            Console.WriteLine($"{"ID",-36}  {"STATUS",-9}  {"CREATED",-8}  {"REQUESTER",-12}  {"CONNECTION",-12}  {"TIER",-8}  STATEMENT");
            foreach (var r in requests)
            {
                Console.WriteLine($"{r.Id,-36}  {r.Status,-9}  {r.CreatedAt.ToLocalTime():HH:mm:ss}  {r.Requester,-12}  {r.Connection,-12}  {r.Tier,-8}  {Shorten(r.Statement)}");
            }
            return 0;
        }));
        return command;
    }

    private static Command Decide(string name, bool approve)
    {
        var id = new Argument<string>("id") { Description = "The request id (from the agent's notice or `requests list`)" };
        var reason = new Option<string>("--reason") { Description = approve ? "Why (optional)" : "Why (required: the agent sees it)", Required = !approve };
        var (dataDir, actAs, token, url) = (CommonOptions.DataDir(), CommonOptions.As(), CommonOptions.Token(), CommonOptions.Url());
        var command = new Command(name, approve ? "Approve a held command: it runs at once" : "Reject a held command: the agent gets an error")
        {
            id, reason, dataDir, actAs, token, url,
        };
        command.SetAction(async (parse, ct) => await CliRun.GuardAsync(async () =>
        {
            if (parse.GetValue(actAs) is null && parse.GetValue(token) is null && Environment.GetEnvironmentVariable("TICKETGATE_TOKEN") is null)
            {
                throw new CliException($"say who decides: --as NAME (demo) or --token TOKEN");
            }
            using var api = ApiClient.Connect(parse.GetValue(dataDir), parse.GetValue(actAs), parse.GetValue(url), parse.GetValue(token), "alice");
            var result = await api.PostAsync<RequestView>($"api/requests/{Uri.EscapeDataString(parse.GetRequiredValue(id))}/{name}",
                new DecisionBody(parse.GetValue(reason)), ct);
            Console.WriteLine(result.Status == "pending"
                ? $"Your vote on request {result.Id} is recorded; its workflow waits for more approvals."
                : $"Request {result.Id} {result.Status}" + (result.DecidedBy.Count > 0 ? $" by {string.Join(", ", result.DecidedBy)}." : "."));
            return 0;
        }));
        return command;
    }

    private static string Shorten(string statement)
    {
        var oneLine = statement.ReplaceLineEndings(" ");
        return oneLine.Length <= 60 ? oneLine : oneLine[..59] + "…";
    }
}

internal static class CliRun
{
    /// <summary>Runs a command body; a <see cref="CliException"/> becomes one line on stderr and its exit code.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync("ticketgate: " + e.Message);
            return e.ExitCode;
        }
    }
}
