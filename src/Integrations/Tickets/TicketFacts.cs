using System.Globalization;

namespace TicketGate.Integrations.Tickets;

/// <summary>The labelled facts every ticket shows, in one order, so Jira and ServiceNow tickets read alike.</summary>
public static class TicketFacts
{
    public const string Intro = "TicketGate is holding this command until it is approved or rejected in this ticket.";

    public static IReadOnlyList<(string Label, string Value)> Of(TicketDraft draft) =>
    [
        ("Requester", draft.Requester),
        ("Requester groups", draft.RequesterGroups.Count == 0 ? "(none)" : string.Join(", ", draft.RequesterGroups)),
        ("Connection", draft.Connection),
        ("Environment", draft.Environment ?? "(not set)"),
        ("Statement class", draft.StatementClass),
        ("Risk tier", draft.Tier),
        ("Matched rule", draft.MatchedRule),
        ("Request id", draft.RequestId.ToString("D")),
        ("Decide before", draft.Deadline.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)),
        ("Request page", draft.RequestPage.ToString()),
    ];

    /// <summary>A single line of at most <paramref name="maxChars"/> characters, never ending in half a surrogate pair.</summary>
    public static string OneLine(string text, int maxChars)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        if (line.Length <= maxChars) return line;
        var cut = maxChars - 1;
        if (char.IsHighSurrogate(line[cut - 1])) cut--;
        return string.Concat(line.AsSpan(0, cut), "…");
    }

    /// <summary>The same content as plain text (ServiceNow descriptions, Jira comments fall back to it).</summary>
    public static string PlainText(TicketDraft draft, HeldStatementText statement)
    {
        var lines = new List<string> { Intro, "" };
        if (draft.Notes is { Length: > 0 } notes) lines.AddRange([notes, ""]);
        foreach (var (label, value) in Of(draft)) lines.Add($"{label}: {value}");
        lines.Add("");
        lines.Add("Held statement:");
        lines.Add(statement.Text);
        if (statement.Note is not null)
        {
            lines.Add("");
            lines.Add(statement.Note);
        }
        return string.Join('\n', lines);
    }
}
