using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TicketGate.Tests.Classification;

/// <summary>
/// A throwaway PostgreSQL 15 cluster in /tmp, reached over a Unix socket. PostgreSQL refuses to run as root,
/// so when the tests run as root the server and psql run as the postgres OS user.
/// </summary>
public sealed class ScratchCluster : IAsyncLifetime
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "ticketgate-classify-" + Guid.NewGuid().ToString("N")[..12]);
    public int Port { get; } = FreePort();

    private string DataDirectory => Path.Combine(Directory, "data");

    public async ValueTask InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (Environment.IsPrivilegedProcess) await Run("chown", ["postgres:postgres", Directory], asPostgres: false);
        await Run(Path.Combine(BinDirectory, "initdb"), ["-D", DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync"]);
        await Run(Path.Combine(BinDirectory, "pg_ctl"),
        [
            "-D", DataDirectory, "-w", "-l", Path.Combine(Directory, "server.log"),
            "-o", $"-p {Port} -k {Directory} -c listen_addresses=''", "start",
        ]);
    }

    /// <summary>Runs psql with the given script file and returns what it printed.</summary>
    public Task<string> Psql(string scriptFile, params string[] extraArguments) =>
        Run("psql", ["-X", "-h", Directory, "-p", Port.ToString(), "-U", "postgres", "-d", "postgres", .. extraArguments, "-f", scriptFile]);

    /// <summary>Writes a file into the cluster directory where the postgres user can read it.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Run(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "stop"]);
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private static async Task<string> Run(string program, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (var a in (string[])["-u", "postgres", "--", program]) start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = program;
        }
        foreach (var a in arguments) start.ArgumentList.Add(a);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        return await stdout + await stderr;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
