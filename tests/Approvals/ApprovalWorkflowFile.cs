using System.Text.Json.Nodes;

namespace TicketGate.Tests.Approvals;

/// <summary>
/// workflows/approval.json as the build copies it, with some variables changed: how tests (and users) set durations in
/// seconds without touching the flow.
/// </summary>
internal static class ApprovalWorkflowFile
{
    public static string Shipped => Path.Combine(AppContext.BaseDirectory, "workflows", "approval.json");

    /// <summary>Writes the changed copy into <paramref name="folder"/>/workflows and returns that directory.</summary>
    public static string WriteWithVariables(string folder, params (string Name, string Value)[] values)
    {
        var definition = JsonNode.Parse(File.ReadAllText(Shipped))!.AsObject();
        foreach (var (name, value) in values)
        {
            var variable = definition["variables"]!.AsArray().SingleOrDefault(v => (string?)v!["name"] == name)
                ?? throw new ArgumentException($"approval.json has no variable {name}");
            variable!["value"] = value;
        }
        var directory = Path.Combine(folder, "workflows");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "approval.json"), definition.ToJsonString());
        return directory;
    }
}
