using TicketGate.Proxy.Configuration;

namespace TicketGate.Tests.Configuration;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("200ms", 200)]
    [InlineData("30s", 30_000)]
    [InlineData("15m", 900_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData(" 5 s ", 5_000)]
    public void Number_with_unit_is_a_duration(string text, long milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("200")]
    [InlineData("1d")]
    [InlineData("-1s")]
    [InlineData("1.5s")]
    [InlineData("s")]
    [InlineData("")]
    [InlineData("99999999999999h")]
    public void Text_without_a_known_unit_or_whole_number_is_not_a_duration(string text) =>
        Assert.False(DurationText.TryParse(text, out _));

    [Theory]
    [InlineData(200, "200ms")]
    [InlineData(1_500, "1500ms")]
    [InlineData(30_000, "30s")]
    [InlineData(900_000, "15m")]
    [InlineData(7_200_000, "2h")]
    public void Format_gives_the_shortest_exact_text(long milliseconds, string text) =>
        Assert.Equal(text, DurationText.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
