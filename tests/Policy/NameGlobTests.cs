using TicketGate.Proxy.Policy;

namespace TicketGate.Tests.Policy;

public sealed class NameGlobTests
{
    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("abc", "ABC", true)]
    [InlineData("abc", "abcd", false)]
    [InlineData("ab*", "ab", true)]
    [InlineData("*cd", "abcd", true)]
    [InlineData("*cd", "abcde", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("a*a*a", "aaaa", true)]
    [InlineData("a*ab", "aaab", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("**x", "yx", true)]
    public void Star_is_any_run_and_question_mark_one_character(string pattern, string name, bool matches) =>
        Assert.Equal(matches, new NameGlob(pattern).IsMatch(name));
}
