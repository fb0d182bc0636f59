using System.Text;
using TicketGate.Proxy.Kubernetes.Upstream;

namespace TicketGate.Tests.Kubernetes;

public sealed class ImpersonationHeaderLinesTests
{
    [Fact]
    public void Placeholders_in_a_request_head_become_one_Impersonate_Group_line_each_and_keep_every_length()
    {
        var head = "GET /api HTTP/1.1\r\nHost: k\r\nImpersonate-User: agent-7\r\n" +
                   $"{ImpersonationHeaderLines.Placeholder(0)}: agents\r\n{ImpersonationHeaderLines.Placeholder(1)}: sre, oncall\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(head);

        Assert.Equal(2, ImpersonationHeaderLines.Rename(bytes));

        Assert.Equal("GET /api HTTP/1.1\r\nHost: k\r\nImpersonate-User: agent-7\r\nImpersonate-Group: agents\r\nImpersonate-Group: sre, oncall\r\n\r\n",
            Encoding.ASCII.GetString(bytes));
    }

    [Theory]
    [InlineData("\r\nTg-Imp-Group-00x1: a\r\n")]   // not four digits
    [InlineData("\r\nTg-Imp-Group-0001 a\r\n")]    // no colon
    [InlineData("\r\nTg-Imp-Group-000")]           // cut off at the end of the buffer
    [InlineData("Tg-Imp-Group-0001: a\r\n")]       // not at the start of a line
    public void Anything_but_a_whole_placeholder_line_start_is_left_as_it_is(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);

        Assert.Equal(0, ImpersonationHeaderLines.Rename(bytes));

        Assert.Equal(text, Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public void More_groups_than_placeholders_are_refused()
    {
        Assert.Equal("Tg-Imp-Group-9999", ImpersonationHeaderLines.Placeholder(9999));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImpersonationHeaderLines.Placeholder(10_000));
    }
}
