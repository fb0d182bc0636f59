using System.Runtime.InteropServices;

namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>
/// The operating-system account the PostgreSQL server runs under. PostgreSQL refuses to run as root,
/// so under root the tools are launched through runuser as the <c>postgres</c> account (or a system account we create).
/// </summary>
internal sealed partial class ServerAccount
{
    private const string DistributionAccount = "postgres";
    private const string OwnAccount = "ticketgate-pg";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    private readonly string? _runuser;

    private ServerAccount(string name, string? runuser)
    {
        Name = name;
        _runuser = runuser;
    }

    public string Name { get; }

    /// <summary>True when tools are started as another account than ours.</summary>
    public bool IsDelegated => _runuser is not null;

    public static async Task<ServerAccount> ResolveAsync(CancellationToken cancellationToken)
    {
        if (GetEffectiveUserId() != 0) return new ServerAccount(Environment.UserName, runuser: null);

        var runuser = PostgresBinaries.FindOnPath("runuser") ?? FirstExisting("/usr/sbin/runuser", "/sbin/runuser")
            ?? throw new LocalPostgresException(
                "TicketGate runs as root, and PostgreSQL refuses to run as root, but 'runuser' (util-linux) is missing. " +
                "Install it with 'apt-get install util-linux', or run TicketGate as an ordinary user.");

        if (await AccountExistsAsync(DistributionAccount, cancellationToken).ConfigureAwait(false))
            return new ServerAccount(DistributionAccount, runuser);

        if (!await AccountExistsAsync(OwnAccount, cancellationToken).ConfigureAwait(false))
        {
            var useradd = PostgresBinaries.FindOnPath("useradd") ?? FirstExisting("/usr/sbin/useradd", "/sbin/useradd")
                ?? throw new LocalPostgresException(
                    $"No '{DistributionAccount}' account exists to run PostgreSQL (it refuses root) and 'useradd' is missing to create " +
                    $"'{OwnAccount}'. Create an unprivileged account named '{DistributionAccount}', or run TicketGate as an ordinary user.");
            var created = await ChildProcess.RunAsync(
                useradd, ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", OwnAccount],
                ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            // Exit code 9: another TicketGate created it at the same moment.
            if (created.ExitCode != 0 && created.ExitCode != 9)
                throw new LocalPostgresException($"Could not create the system account '{OwnAccount}' to run PostgreSQL: {created.CombinedOutput}");
        }
        return new ServerAccount(OwnAccount, runuser);
    }

    /// <summary>A tool invocation as this account: the program itself, or runuser wrapping it.</summary>
    public (string FileName, IReadOnlyList<string> Arguments) Command(string program, IReadOnlyList<string> arguments)
    {
        if (_runuser is null) return (program, arguments);
        var wrapped = new List<string>(arguments.Count + 4) { "-u", Name, "--", program };
        wrapped.AddRange(arguments);
        return (_runuser, wrapped);
    }

    public Task<ChildProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (fileName, wrapped) = Command(program, arguments);
        return ChildProcess.RunAsync(fileName, wrapped, timeout, cancellationToken: cancellationToken);
    }

    /// <summary>Hands files we created as root to the server account; a no-op when we are that account.</summary>
    public async Task TakeOwnershipAsync(IReadOnlyList<string> paths, bool recursive, CancellationToken cancellationToken)
    {
        if (!IsDelegated || paths.Count == 0) return;
        var arguments = new List<string>(paths.Count + 2);
        if (recursive) arguments.Add("-R");
        arguments.Add(Name + ":");
        arguments.AddRange(paths);
        var result = await ChildProcess.RunAsync("chown", arguments, ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new LocalPostgresException($"Could not give '{string.Join("', '", paths)}' to the '{Name}' account: {result.CombinedOutput}");
    }

    /// <summary>
    /// Fails with advice when the server account cannot enter every folder on the way to <paramref name="directory"/>
    /// (a data folder under /root, mode 0700, is the usual case).
    /// </summary>
    public async Task EnsureCanReachAsync(string directory, CancellationToken cancellationToken)
    {
        if (!IsDelegated) return;
        var chain = new List<string>();
        for (var current = Path.GetFullPath(directory); current is not null; current = Path.GetDirectoryName(current))
            chain.Insert(0, current);

        // One shell reports the first folder the account cannot enter, instead of one process per ancestor.
        var arguments = new List<string> { "-c", "for d in \"$@\"; do [ -x \"$d\" ] || { printf '%s' \"$d\"; exit 1; }; done", "sh" };
        arguments.AddRange(chain);
        var result = await RunAsync("/bin/sh", arguments, ToolTimeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 0) return;
        var blocked = result.StandardOutput.Length > 0 ? result.StandardOutput : directory;
        throw new LocalPostgresException(
            $"PostgreSQL runs as the '{Name}' account (it refuses root), and that account cannot enter '{blocked}' on the way to " +
            $"the data folder '{directory}'. Choose a data folder it can reach, for example --data-dir /var/lib/ticketgate/demo.");
    }

    private static async Task<bool> AccountExistsAsync(string name, CancellationToken cancellationToken)
    {
        var result = await ChildProcess.RunAsync("id", ["-u", name], ToolTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    private static string? FirstExisting(params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
