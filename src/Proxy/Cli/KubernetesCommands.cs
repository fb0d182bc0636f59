using System.CommandLine;
using Microsoft.IdentityModel.JsonWebTokens;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Demo;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Kubernetes.Credentials;

namespace TicketGate.Proxy.Cli;

/// <summary>
/// `ticketgate kubeconfig CLUSTER` prints a kubeconfig for a cluster behind TicketGate; `ticketgate kube-token` is the exec
/// credential plugin that kubeconfig runs: it prints the agent's Okta token as an ExecCredential.
/// </summary>
internal static class KubernetesCommands
{
    public static Command Kubeconfig()
    {
        var cluster = new Argument<string>("cluster") { Description = "The cluster's name under kubernetes.clusters in the config" };
        var config = new Option<string>("--config") { Description = "TicketGate's configuration file (the one `serve` runs with)", Required = true };
        var ns = new Option<string>("--namespace") { Description = "The context's default namespace" };
        var token = TokenSourceOptions();
        var command = new Command("kubeconfig", "Print a kubeconfig whose user gets its token from `ticketgate kube-token`") { cluster, config, ns };
        foreach (var option in token.All) command.Add(option);
        command.SetAction(parse =>
        {
            TicketGateOptions options;
            try
            {
                options = ConfigurationLoader.Load(parse.GetRequiredValue(config));
            }
            catch (ConfigurationException e)
            {
                Console.Error.WriteLine("ticketgate: " + e.Message);
                return 2;
            }
            var name = parse.GetRequiredValue(cluster);
            if (!options.Kubernetes.Clusters.TryGetValue(name, out var definition))
            {
                var known = options.Kubernetes.Clusters.Count == 0 ? "it defines none" : "it defines " + string.Join(", ", options.Kubernetes.Clusters.Keys);
                Console.Error.WriteLine($"ticketgate: the config has no Kubernetes cluster \"{name}\" ({known})");
                return 1;
            }
            Console.Write(KubeconfigDocument.Create(definition, SelfPath(), token.Arguments(parse), parse.GetValue(ns)));
            return 0;
        });
        return command;
    }

    public static Command KubeToken()
    {
        var token = TokenSourceOptions();
        var command = new Command("kube-token", "Exec credential plugin for kubectl: print the agent's token as a client.authentication.k8s.io/v1 ExecCredential");
        foreach (var option in token.All) command.Add(option);
        command.SetAction(parse =>
        {
            string jwt;
            DateTimeOffset? expires;
            if (parse.GetValue(token.File) is { } file)
            {
                try
                {
                    jwt = File.ReadAllText(file).Trim();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"ticketgate: can't read the token file {file}: {e.Message}");
                    return 1;
                }
                expires = ExpiryOf(jwt);
            }
            else if (parse.GetValue(token.Environment) is { } variable)
            {
                jwt = Environment.GetEnvironmentVariable(variable)?.Trim() ?? "";
                if (jwt.Length == 0)
                {
                    Console.Error.WriteLine($"ticketgate: the environment variable {variable} holds no token");
                    return 1;
                }
                expires = ExpiryOf(jwt);
            }
            else
            {
                if (parse.GetValue(token.Subject) is not { } subject)
                {
                    Console.Error.WriteLine("ticketgate: say where the token comes from: --token-file FILE, --token-env VARIABLE, or --sub NAME (development issuer)");
                    return 1;
                }
                if (!DurationText.TryParse(parse.GetValue(token.Ttl), out var lifetime) || lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(1))
                {
                    Console.Error.WriteLine($"ticketgate: --ttl \"{parse.GetValue(token.Ttl)}\" is not a duration between 1s and 24h (write 90s, 15m, 1h)");
                    return 1;
                }
                var folder = new DemoFolder(parse.GetValue(token.DataDir) ?? DemoFolder.DefaultPath());
                var runtime = folder.ReadRunningRuntime();
                var url = parse.GetValue(token.Issuer) ?? runtime?.Issuer ?? DevelopmentIssuer.IssuerUrlFor($"http://127.0.0.1:{DemoFolder.DefaultHttpPort}");
                Directory.CreateDirectory(folder.Path);
                using var issuer = new DevelopmentIssuer(folder.Path, url);
                var groups = (parse.GetValue(token.Groups) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                jwt = issuer.Mint(subject, groups, lifetime, parse.GetValue(token.Audience) ?? runtime?.Audience ?? DemoFolder.Audience);
                expires = ExpiryOf(jwt);
            }
            if (expires is { } expiry && expiry < DateTimeOffset.UtcNow)
            {
                // kubectl shows the plugin's stderr; TicketGate will refuse the token too, and say so.
                Console.Error.WriteLine($"ticketgate kube-token: the token expired at {expiry:u}; get a fresh one from Okta");
            }
            Console.WriteLine(ExecCredential.Json(jwt, expires));
            return 0;
        });
        return command;
    }

    /// <summary>The exp claim, or null for text that is not a JWT (the gateway will say so with a 401).</summary>
    private static DateTimeOffset? ExpiryOf(string jwt)
    {
        try
        {
            var token = new JsonWebToken(jwt);
            return token.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(token.ValidTo, TimeSpan.Zero);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>How kubectl should start TicketGate: the ./ticketgate script when run through it, else this executable.</summary>
    private static string SelfPath()
    {
        if (Environment.GetEnvironmentVariable("TICKETGATE_SELF") is { Length: > 0 } self) return Path.GetFullPath(self);
        return Environment.ProcessPath ?? "ticketgate";
    }

    private sealed record TokenSource(Option<string> File, Option<string> Environment, Option<string> Subject, Option<string> Groups,
        Option<string> Ttl, Option<string> DataDir, Option<string> Issuer, Option<string> Audience)
    {
        public Option[] All => [File, Environment, Subject, Groups, Ttl, DataDir, Issuer, Audience];

        /// <summary>The options given, as arguments for `kube-token` in the kubeconfig.</summary>
        public List<string> Arguments(ParseResult parse)
        {
            var arguments = new List<string>();
            foreach (var option in new[] { File, Environment, Subject, Groups, Ttl, DataDir, Issuer, Audience })
            {
                if (parse.GetResult(option) is { Implicit: false } && parse.GetValue(option) is { } value)
                {
                    var absolute = option == File || option == DataDir ? Path.GetFullPath(value) : value;
                    arguments.Add($"{option.Name}={absolute}");
                }
            }
            return arguments;
        }
    }

    private static TokenSource TokenSourceOptions() => new(
        new Option<string>("--token-file") { Description = "A file holding the agent's Okta token (refreshed by whatever writes it)" },
        new Option<string>("--token-env") { Description = "An environment variable holding the agent's Okta token" },
        new Option<string>("--sub") { Description = "Development issuer: the token's subject (the agent)" },
        new Option<string>("--groups") { Description = "Development issuer: comma-separated groups" },
        new Option<string>("--ttl") { Description = "Development issuer: lifetime, e.g. 15m", DefaultValueFactory = _ => "15m" },
        CommonOptions.DataDir(),
        new Option<string>("--issuer") { Description = "Development issuer: the issuer URL ({http public url}/oidc; default: the running demo's)" },
        new Option<string>("--audience") { Description = "Development issuer: the audience (default: the demo's)" });
}
