using System.Globalization;

namespace TicketGate.Integrations.Jira;

/// <summary>Jira writes times as 2026-11-24T10:15:00.000+0000, an offset without a colon that the ISO parser refuses.</summary>
public static class JiraTime
{
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var normalized = text;
        if (text.Length > 5 && text[^5] is '+' or '-' && char.IsDigit(text[^1]) && text[^3] != ':')
        {
            normalized = string.Concat(text.AsSpan(0, text.Length - 2), ":", text.AsSpan(text.Length - 2));
        }
        return DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    public static string Format(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);
}
