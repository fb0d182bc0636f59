using System.Text.RegularExpressions;

namespace TicketGate.Tests.Fakes.Jira;

public sealed partial class FakeJira
{
    /// <summary>The JQL the clients send: clauses joined by AND over project, labels, key and status, with = or IN.</summary>
    private sealed partial record Jql(List<(string Field, List<string> Values)> Clauses, string? Error)
    {
        public static Jql Parse(string text)
        {
            var clauses = new List<(string, List<string>)>();
            var order = text.IndexOf("ORDER BY", StringComparison.OrdinalIgnoreCase);
            if (order >= 0) text = text[..order];
            foreach (var part in AndPattern().Split(text))
            {
                if (part.Trim().Length == 0) continue;
                var match = ClausePattern().Match(part);
                if (!match.Success) return new Jql(clauses, $"Error in the JQL Query: cannot read '{part.Trim()}'.");
                var field = match.Groups[1].Value.ToLowerInvariant();
                if (field is not ("project" or "labels" or "key" or "issuekey" or "status"))
                {
                    return new Jql(clauses, $"Field '{match.Groups[1].Value}' does not exist or you do not have permission to view it.");
                }
                var raw = match.Groups[3].Value.Trim().TrimStart('(').TrimEnd(')');
                clauses.Add((field == "issuekey" ? "key" : field, [.. raw.Split(',').Select(v => v.Trim().Trim('"'))]));
            }
            return new Jql(clauses, null);
        }

        public bool Matches(FakeJiraIssue issue) => Clauses.All(c => c.Field switch
        {
            "project" => c.Values.Contains(ProjectKey),
            "labels" => c.Values.Any(issue.Labels.Contains),
            "key" => c.Values.Contains(issue.Key),
            _ => c.Values.Any(v => string.Equals(v, issue.Status.Name, StringComparison.OrdinalIgnoreCase)),
        });

        [GeneratedRegex(@"\s+AND\s+", RegexOptions.IgnoreCase)]
        private static partial Regex AndPattern();

        [GeneratedRegex(@"^\s*(\w+)\s*(=|in)\s*(.+?)\s*$", RegexOptions.IgnoreCase)]
        private static partial Regex ClausePattern();
    }
}
