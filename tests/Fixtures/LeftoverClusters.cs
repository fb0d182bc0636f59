using TicketGate.Proxy.Hosting.LocalPostgres;

namespace TicketGate.Tests.Fixtures;

/// <summary>
/// Clusters left behind by test runs that were killed before their cleanup ran: their servers keep running
/// (and holding shared memory) until someone stops them. Each run marks its folders with its process id.
/// </summary>
internal static class LeftoverClusters
{
    public const string FolderPrefix = "ticketgate-tests-";
    public const string OwnerFileName = "test-run.pid";

    public static void MarkOwned(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, OwnerFileName), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Stops and deletes clusters whose test run is gone. Never touches folders of a live run.</summary>
    public static async Task SweepAsync()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            if (!IsOrphaned(folder)) continue;
            try
            {
                await using var leftover = new LocalPostgresCluster(new LocalPostgresOptions
                {
                    DataDirectory = folder,
                    Ephemeral = true,
                    CommandTimeout = TimeSpan.FromSeconds(20),
                });
                await leftover.StopAsync();
            }
            catch (LocalPostgresException)
            {
                // Best effort: an unreadable leftover must not fail this run.
            }
        }
    }

    private static bool IsOrphaned(string folder)
    {
        var ownerFile = Path.Combine(folder, OwnerFileName);
        if (!File.Exists(ownerFile)) return false;
        if (!int.TryParse(File.ReadAllText(ownerFile).Trim(), out var pid)) return false;
        if (pid == Environment.ProcessId) return false;
        return !Directory.Exists($"/proc/{pid}");
    }
}
