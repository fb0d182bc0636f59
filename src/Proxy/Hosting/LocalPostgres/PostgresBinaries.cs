namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>The folder holding one PostgreSQL installation's server programs.</summary>
public sealed class PostgresBinaries
{
    private const string DebianInstallRoot = "/usr/lib/postgresql";
    private static readonly string[] ServerPrograms = ["initdb", "pg_ctl", "postgres"];

    private PostgresBinaries(string directory) => Directory = directory;

    public string Directory { get; }
    public string InitDb => Path.Combine(Directory, "initdb");
    public string PgCtl => Path.Combine(Directory, "pg_ctl");
    public string Postgres => Path.Combine(Directory, "postgres");
    public string Psql => Path.Combine(Directory, "psql");

    /// <summary>
    /// An explicit folder when given; otherwise <c>pg_config --bindir</c>, the newest /usr/lib/postgresql/*/bin,
    /// then initdb on PATH.
    /// </summary>
    public static async Task<PostgresBinaries> LocateAsync(string? explicitDirectory, CancellationToken cancellationToken = default)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            var full = Path.GetFullPath(explicitDirectory);
            return HasServerPrograms(full)
                ? new PostgresBinaries(full)
                : throw new PostgresBinariesNotFoundException($"in '{full}' (the configured PostgreSQL bin folder)");
        }

        var fromPgConfig = await AskPgConfigAsync(cancellationToken).ConfigureAwait(false);
        if (fromPgConfig is not null && HasServerPrograms(fromPgConfig)) return new PostgresBinaries(fromPgConfig);

        var newestInstalled = NewestDebianInstallation();
        if (newestInstalled is not null) return new PostgresBinaries(newestInstalled);

        var onPath = FindOnPath("initdb");
        if (onPath is not null)
        {
            // Distributions link initdb into /usr/bin or /usr/local/bin; its siblings live beside the real file.
            var real = File.ResolveLinkTarget(onPath, returnFinalTarget: true)?.FullName ?? onPath;
            var directory = Path.GetDirectoryName(real);
            if (directory is not null && HasServerPrograms(directory)) return new PostgresBinaries(directory);
        }

        throw new PostgresBinariesNotFoundException($"via pg_config, in {DebianInstallRoot}/*/bin or on PATH");
    }

    private static bool HasServerPrograms(string directory)
    {
        foreach (var program in ServerPrograms)
        {
            if (!File.Exists(Path.Combine(directory, program))) return false;
        }
        return true;
    }

    private static async Task<string?> AskPgConfigAsync(CancellationToken cancellationToken)
    {
        var pgConfig = FindOnPath("pg_config");
        if (pgConfig is null) return null;
        try
        {
            var result = await ChildProcess.RunAsync(pgConfig, ["--bindir"], TimeSpan.FromSeconds(10), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            var directory = result.StandardOutput.Trim();
            return result.ExitCode == 0 && directory.Length > 0 ? directory : null;
        }
        catch (LocalPostgresException)
        {
            return null;
        }
    }

    private static string? NewestDebianInstallation()
    {
        if (!System.IO.Directory.Exists(DebianInstallRoot)) return null;
        string? best = null;
        Version? bestVersion = null;
        foreach (var versionDirectory in System.IO.Directory.EnumerateDirectories(DebianInstallRoot))
        {
            var name = Path.GetFileName(versionDirectory);
            // "15" does not parse as a Version; "15.0" does, and "9.6" keeps its order below it.
            if (!Version.TryParse(name.Contains('.') ? name : name + ".0", out var version)) continue;
            var bin = Path.Combine(versionDirectory, "bin");
            if (!HasServerPrograms(bin)) continue;
            if (bestVersion is null || version > bestVersion)
            {
                best = bin;
                bestVersion = version;
            }
        }
        return best;
    }

    internal static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path)) return null;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
