using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Hosting;
using TicketGate.Proxy.Identity;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate serve --config FILE`: the gateway for real deployments.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The configuration file (see docker/ticketgate.example.yaml)", Required = true };
        var command = new Command("serve", "Run the gateway with a configuration file") { config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TicketGateOptions options;
            try
            {
                options = ConfigurationLoader.Load(parse.GetRequiredValue(config));
            }
            catch (ConfigurationException e)
            {
                await Console.Error.WriteLineAsync("ticketgate: " + e.Message);
                return 2;
            }
            using var issuer = DevelopmentIssuerFor(options);
            WebApplication app;
            try
            {
                app = GatewayHost.Build(options, issuer);
            }
            catch (DllNotFoundException e)
            {
                await Console.Error.WriteLineAsync("ticketgate: " + e.Message);
                return 1;
            }
            await using (app)
            {
                try
                {
                    await app.StartAsync(cancellationToken);
                }
                catch (Exception e) when (e is IOException or Workflows.Storage.StateDatabaseUnreachableException or Workflows.Storage.StateMigrationFailedException)
                {
                    await Console.Error.WriteLineAsync("ticketgate: " + e.Message);
                    return 1;
                }
                await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                await app.StopAsync(CancellationToken.None);
            }
            return 0;
        });
        return command;
    }

    /// <summary>The issuer that `oidc.development_issuer` asks for, or null when tokens come from a real issuer.</summary>
    private static DevelopmentIssuer? DevelopmentIssuerFor(TicketGateOptions options)
    {
        if (options.Oidc.DevelopmentIssuerDirectory is not { } folder) return null;
        Directory.CreateDirectory(folder);
        Console.Error.WriteLine($"ticketgate: oidc.development_issuer is set: TicketGate issues its own tokens at {options.Oidc.Authority} " +
            "(for trials and benchmarks only; use a real issuer in production)");
        return new DevelopmentIssuer(folder, options.Oidc.Authority);
    }
}
