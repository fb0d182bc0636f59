using System.CommandLine;

namespace TicketGate.Proxy.Cli;

/// <summary>The `ticketgate` command line.</summary>
public static class TicketGateCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("TicketGate: puts AI agents' database, Kubernetes and SSH commands behind approvals.")
        {
            DemoCommand.Create(),
            ServeCommand.Create(),
            TokenCommand.Create(),
            RequestsCommand.Create(),
            AuditCommand.Create(),
            SessionsCommand.Create(),
            SessionsCommand.CreateReplay(),
            KubernetesCommands.Kubeconfig(),
            KubernetesCommands.KubeToken(),
            SshLoginCommand.Create(),
            SshShimCommand.Create(),
        };
        // Ctrl-C and SIGTERM cancel the command, which then stops gracefully: sessions end, held commands are withdrawn, the
        // demo's PostgreSQL stops. That can take longer than System.CommandLine's default 2 s on a busy machine, after which
        // it would give up and exit 143 with the cluster still running.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) };
        return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
    }
}

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<string> DataDir() => new("--data-dir")
    {
        Description = "The demo's data folder (default: $TICKETGATE_DATA_DIR, /var/lib/ticketgate/demo as root, else ~/.local/state/ticketgate/demo)",
    };

    public static Option<string> As() => new("--as") { Description = "Act as this person of the demo's directory (alice, bob, carol, agent-7): mints their token" };

    public static Option<string> Token() => new("--token") { Description = "A bearer token for TicketGate's API (default: $TICKETGATE_TOKEN)" };

    public static Option<string> Url() => new("--url") { Description = "TicketGate's HTTP address (default: the running demo's, or $TICKETGATE_URL)" };
}

/// <summary>A failure the CLI reports as one line on stderr with a non-zero exit code.</summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
