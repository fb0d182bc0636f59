using System.Diagnostics;
using System.Text.Json;

namespace TicketGate.Proxy.Demo;

/// <summary>
/// The demo's data folder and the little file that tells later commands (`token`, `requests`, `audit`) where a running demo listens.
/// </summary>
public sealed class DemoFolder(string path)
{
    public const int DefaultPostgresPort = 15432;
    public const int DefaultHttpPort = 15480;
    public const string Audience = "api://ticketgate-demo";

    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string ClusterHome => System.IO.Path.Combine(Path, "postgres");
    public string TlsDirectory => System.IO.Path.Combine(Path, "tls");
    public string RuntimeFile => System.IO.Path.Combine(Path, "demo.json");

    /// <summary>
    /// Where the demo keeps its data unless told otherwise. As root it is outside /root, because the PostgreSQL server account
    /// must be able to reach the cluster inside it.
    /// </summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable("TICKETGATE_DATA_DIR") is { Length: > 0 } fromEnvironment) return fromEnvironment;
        if (Environment.UserName == "root") return "/var/lib/ticketgate/demo";
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return System.IO.Path.Combine(state, "ticketgate", "demo");
    }

    public void WriteRuntime(DemoRuntime runtime)
    {
        var temporary = RuntimeFile + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(runtime, DemoRuntime.Json));
        File.Move(temporary, RuntimeFile, overwrite: true);
    }

    /// <summary>The runtime of a demo that is still running from this folder, or null.</summary>
    public DemoRuntime? ReadRunningRuntime()
    {
        if (!File.Exists(RuntimeFile)) return null;
        try
        {
            var runtime = JsonSerializer.Deserialize<DemoRuntime>(File.ReadAllText(RuntimeFile), DemoRuntime.Json);
            return runtime is not null && IsAlive(runtime.ProcessId) ? runtime : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void DeleteRuntime()
    {
        try
        {
            File.Delete(RuntimeFile);
        }
        catch (IOException)
        {
            // Another start already replaced it; nothing to clean.
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            if (process.HasExited) return false;
            // The pid may have been reused since a crash: it must still be TicketGate (often `dotnet ticketgate.dll`).
            var commandLine = $"/proc/{processId}/cmdline";
            return !File.Exists(commandLine) || File.ReadAllText(commandLine).Contains("ticketgate", StringComparison.OrdinalIgnoreCase);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>Where a running demo listens, as written to demo.json.</summary>
public sealed record DemoRuntime(int ProcessId, string HttpUrl, int PostgresPort, string Issuer, string Audience, string CaCertificate)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
