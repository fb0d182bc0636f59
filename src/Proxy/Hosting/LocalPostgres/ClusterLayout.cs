using System.Globalization;
using System.Security.Cryptography;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>Where a local cluster keeps its files, and the small file-level facts about them.</summary>
internal sealed class ClusterLayout
{
    public const string SettingsFileName = "ticketgate.conf";
    // sockaddr_un.sun_path holds 108 bytes including the terminator; PostgreSQL appends "/.s.PGSQL.NNNNN".
    private const int MaxSocketPathBytes = 107;
    private const string SocketFileName = "/.s.PGSQL.65535.lock";


    public ClusterLayout(string home)
    {
        Home = home.TrimEnd('/');
        var inside = Path.Combine(Home, "run");
        SocketDirectory = Encoding.UTF8.GetByteCount(inside + SocketFileName) <= MaxSocketPathBytes
            ? inside
            : "/tmp/ticketgate-pg-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Home)))[..12];
    }

    public string Home { get; }
    public string PgData => Path.Combine(Home, "pgdata");
    public string PasswordFile => Path.Combine(Home, "superuser.password");
    public string InitDbPasswordFile => Path.Combine(Home, ".initdb-password");
    public string LogFile => Path.Combine(Home, "postgres.log");
    public string SocketDirectory { get; }
    public string PidFile => Path.Combine(PgData, "postmaster.pid");
    public string MainConfigFile => Path.Combine(PgData, "postgresql.conf");
    public string SettingsFile => Path.Combine(PgData, SettingsFileName);
    public bool HasCluster => File.Exists(Path.Combine(PgData, "PG_VERSION"));

    /// <summary>The home stays enterable by the server account; the secrets inside are 0600 files.</summary>
    public void CreateHome()
    {
        if (!Directory.Exists(Home)) UnixFiles.CreateDirectory(Home, UnixFiles.TraversableDirectory);
    }

    public void CreatePgData()
    {
        if (!Directory.Exists(PgData)) UnixFiles.CreateDirectory(PgData, UnixFiles.OwnerOnlyDirectory);
    }

    public void PrepareRuntimeFiles()
    {
        if (!Directory.Exists(SocketDirectory)) UnixFiles.CreateDirectory(SocketDirectory, UnixFiles.OwnerOnlyDirectory);
        if (!File.Exists(LogFile)) File.WriteAllBytes(LogFile, []);
    }

    public long LogLength() => File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;

    /// <summary>What the server wrote to its log since <paramref name="offset"/> (at most the last 16 KiB of it).</summary>
    public string ReadLogSince(long offset)
    {
        if (!File.Exists(LogFile)) return "";
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var start = Math.Max(offset, stream.Length - 16 * 1024);
        if (start > stream.Length) start = 0;
        stream.Seek(start, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public static string LastLines(string text, int count)
    {
        var lines = text.TrimEnd().Split('\n');
        return lines.Length <= count ? text.TrimEnd() : string.Join('\n', lines[^count..]);
    }

    /// <summary>The postmaster's process id and port from postmaster.pid (lines 1 and 4), if the file is there and readable.</summary>
    public (int ProcessId, int Port)? ReadPostmasterPid()
    {
        string[] lines;
        try
        {
            if (!File.Exists(PidFile)) return null;
            lines = File.ReadAllLines(PidFile);
        }
        catch (IOException)
        {
            return null;
        }
        if (lines.Length < 4) return null;
        if (!int.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
        if (!int.TryParse(lines[3].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port)) return null;
        return (pid, port);
    }

    /// <summary>
    /// Whether a live process id is a PostgreSQL server over this data folder. A server process works inside its data
    /// folder, so its current directory tells it apart from an unrelated program (or another cluster) that got the id later.
    /// </summary>
    public bool IsServerProcess(int processId)
    {
        try
        {
            var cwd = File.ResolveLinkTarget($"/proc/{processId}/cwd", returnFinalTarget: false)?.FullName;
            if (cwd is not null) return string.Equals(cwd.TrimEnd('/'), PgData, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another account's process: fall back to its command line, which anyone may read.
        }
        try
        {
            var commandLine = File.ReadAllBytes($"/proc/{processId}/cmdline");
            var end = Array.IndexOf(commandLine, (byte)0);
            var program = Encoding.UTF8.GetString(commandLine, 0, end < 0 ? commandLine.Length : end);
            return Path.GetFileName(program) is "postgres" or "postmaster" || program.StartsWith("postgres:", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Makes postgresql.conf read the settings file TicketGate writes; repairs a cluster whose first set-up was interrupted.</summary>
    public void EnsureSettingsIncluded()
    {
        var line = $"include_if_exists = '{SettingsFileName}'";
        if (File.ReadAllText(MainConfigFile).Contains(line, StringComparison.Ordinal)) return;
        File.AppendAllText(MainConfigFile, Environment.NewLine + line + Environment.NewLine);
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>C.UTF-8 when the C library has it (sorting and ctype behave as in C, but text is UTF-8-aware), else plain C.</summary>
    public static string PreferredLocale() =>
        Directory.Exists("/usr/lib/locale/C.utf8") || Directory.Exists("/usr/lib/locale/C.UTF-8") ? "C.UTF-8" : "C";

    public void Delete()
    {
        TryDeleteDirectory(Home);
        if (!SocketDirectory.StartsWith(Home + "/", StringComparison.Ordinal)) TryDeleteDirectory(SocketDirectory);
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is harmless; failing a dispose over it is not.
        }
    }
}
