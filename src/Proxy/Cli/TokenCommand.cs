using System.CommandLine;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Demo;
using TicketGate.Proxy.Identity;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate token`: a token from a development issuer (the demo's, or `serve`'s oidc.development_issuer), as Okta would issue one.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var subject = new Option<string>("--sub") { Description = "The token's subject (who the agent is)", Required = true };
        var groups = new Option<string>("--groups") { Description = "Comma-separated groups, e.g. agents or dba,oncall", DefaultValueFactory = _ => "" };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime, e.g. 15m, 1h, 90s", DefaultValueFactory = _ => "15m" };
        var issuerUrl = new Option<string>("--issuer")
        {
            Description = "The issuer URL the token carries, for `serve` with oidc.development_issuer ({http public url}/oidc; default: the running demo's)",
        };
        var audience = new Option<string>("--audience") { Description = "The token's audience, the config's oidc.audience (default: the demo's)" };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("token", "Print a token from the development issuer (the demo's, or oidc.development_issuer's with --data-dir and --issuer)")
        {
            subject, groups, ttl, issuerUrl, audience, dataDir,
        };
        command.SetAction(parse =>
        {
            if (!DurationText.TryParse(parse.GetValue(ttl), out var lifetime) || lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(1))
            {
                Console.Error.WriteLine($"ticketgate: --ttl \"{parse.GetValue(ttl)}\" is not a duration between 1s and 24h (write 90s, 15m, 1h)");
                return 1;
            }
            var folder = new DemoFolder(parse.GetValue(dataDir) ?? DemoFolder.DefaultPath());
            var runtime = folder.ReadRunningRuntime();
            var url = parse.GetValue(issuerUrl)
                ?? runtime?.Issuer
                ?? DevelopmentIssuer.IssuerUrlFor($"http://127.0.0.1:{DemoFolder.DefaultHttpPort}");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
            {
                Console.Error.WriteLine($"ticketgate: --issuer \"{url}\" is not an absolute http(s) URL; give the gateway's issuer, e.g. http://127.0.0.1:15480/oidc");
                return 1;
            }
            Directory.CreateDirectory(folder.Path);
            using var issuer = new DevelopmentIssuer(folder.Path, url);
            var groupList = (parse.GetValue(groups) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var aud = parse.GetValue(audience) ?? runtime?.Audience ?? DemoFolder.Audience;
            Console.WriteLine(issuer.Mint(parse.GetRequiredValue(subject), groupList, lifetime, aud));
            return 0;
        });
        return command;
    }
}
