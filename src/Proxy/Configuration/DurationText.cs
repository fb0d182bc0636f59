using System.Globalization;

namespace TicketGate.Proxy.Configuration;

/// <summary>Durations as config files write them: a whole number and a unit, "200ms", "30s", "15m" or "1h".</summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        var span = text.AsSpan().Trim();
        var digits = 0;
        while (digits < span.Length && char.IsAsciiDigit(span[digits])) digits++;
        if (digits == 0 || !long.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var amount)) return false;

        var unit = span[digits..].Trim();
        double? milliseconds = unit switch
        {
            "ms" => amount,
            "s" => amount * 1_000d,
            "m" => amount * 60_000d,
            "h" => amount * 3_600_000d,
            _ => null,
        };
        if (milliseconds is null || milliseconds > TimeSpan.MaxValue.TotalMilliseconds) return false;
        duration = TimeSpan.FromMilliseconds(milliseconds.Value);
        return true;
    }

    /// <summary>The shortest exact form, for showing options back to people ("1500ms", "15m").</summary>
    public static string Format(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms % 3_600_000 == 0 && ms != 0) return $"{ms / 3_600_000}h";
        if (ms % 60_000 == 0 && ms != 0) return $"{ms / 60_000}m";
        if (ms % 1_000 == 0 && ms != 0) return $"{ms / 1_000}s";
        return $"{ms}ms";
    }
}
