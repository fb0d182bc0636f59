using System.Globalization;
using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Studio;

/// <summary>
/// Contract §5 <c>versionOptions</c>: Latest, Published, LatestOrPublished, LatestAndPublished, Draft, AllVersions, or a
/// version number. In list queries an empty value means no filter.
/// </summary>
public readonly record struct VersionOptions(string Kind, int Number = 0)
{
    public static readonly VersionOptions Any = new("AllVersions");
    public static readonly VersionOptions Latest = new("Latest");
    public static readonly VersionOptions Published = new("Published");

    /// <summary>False for a value that is neither a known option nor a number.</summary>
    public static bool TryParse(string? text, VersionOptions fallback, out VersionOptions options)
    {
        options = fallback;
        if (string.IsNullOrWhiteSpace(text)) return true;
        foreach (var kind in (ReadOnlySpan<string>)["Latest", "Published", "LatestOrPublished", "LatestAndPublished", "Draft", "AllVersions"])
        {
            if (string.Equals(text, kind, StringComparison.OrdinalIgnoreCase))
            {
                options = new VersionOptions(kind);
                return true;
            }
        }
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            options = new VersionOptions("Specific", number);
            return true;
        }
        return false;
    }

    public bool Matches(WorkflowDefinition definition) => Kind switch
    {
        "Latest" => definition.IsLatest,
        "Published" => definition.IsPublished,
        "LatestOrPublished" => definition.IsLatest || definition.IsPublished,
        "LatestAndPublished" => definition.IsLatest && definition.IsPublished,
        "Draft" => !definition.IsPublished,
        "Specific" => definition.Version == Number,
        _ => true,
    };
}
