using System.CommandLine;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Demo;
using TicketGate.Proxy.Identity;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate token`: a token from the demo's development issuer, as Okta would issue one.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var subject = new Option<string>("--sub") { Description = "The token's subject (who the agent is)", Required = true };
        var groups = new Option<string>("--groups") { Description = "Comma-separated groups, e.g. agents or dba,oncall", DefaultValueFactory = _ => "" };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime, e.g. 15m, 1h, 90s", DefaultValueFactory = _ => "15m" };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("token", "Print a token from the demo's development issuer (the stand-in for Okta)") { subject, groups, ttl, dataDir };
        command.SetAction(parse =>
        {
            if (!DurationText.TryParse(parse.GetValue(ttl), out var lifetime) || lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(1))
            {
                Console.Error.WriteLine($"ticketgate: --ttl \"{parse.GetValue(ttl)}\" is not a duration between 1s and 24h (write 90s, 15m, 1h)");
                return 1;
            }
            var folder = new DemoFolder(parse.GetValue(dataDir) ?? DemoFolder.DefaultPath());
            var runtime = folder.ReadRunningRuntime();
            var issuerUrl = runtime?.Issuer ?? DevelopmentIssuer.IssuerUrlFor($"http://127.0.0.1:{DemoFolder.DefaultHttpPort}");
            Directory.CreateDirectory(folder.Path);
            using var issuer = new DevelopmentIssuer(folder.Path, issuerUrl);
            var groupList = (parse.GetValue(groups) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Console.WriteLine(issuer.Mint(parse.GetRequiredValue(subject), groupList, lifetime, runtime?.Audience ?? DemoFolder.Audience));
            return 0;
        });
        return command;
    }
}
