using System.Text;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Tests.Integrations;

public sealed class HeldStatementTextTests
{
    private static readonly Uri Page = new("https://ticketgate.example.com/requests/1");

    [Fact]
    public void Short_statement_is_kept_whole_without_a_note()
    {
        var text = HeldStatementText.From("DELETE FROM t", Page);

        Assert.Equal("DELETE FROM t", text.Text);
        Assert.False(text.Truncated);
        Assert.Null(text.Note);
    }

    [Fact]
    public void Long_statement_ends_on_a_whole_line_and_the_note_gives_sizes_and_the_page()
    {
        var statement = string.Join('\n', Enumerable.Range(0, 100).Select(i => $"UPDATE t SET v = {i} WHERE id = {i};"));

        var text = HeldStatementText.From(statement, Page, maxBytes: 512);

        Assert.True(text.Truncated);
        Assert.True(Encoding.UTF8.GetByteCount(text.Text) <= 512);
        Assert.EndsWith(";", text.Text);
        Assert.StartsWith(text.Text + "\n", statement, StringComparison.Ordinal);
        Assert.Contains($"of {Encoding.UTF8.GetByteCount(statement)} bytes", text.Note);
        Assert.Contains("of 100 lines", text.Note);
        Assert.Contains(Page.ToString(), text.Note);
    }

    [Fact]
    public void One_long_line_is_cut_between_characters_never_inside_one()
    {
        var statement = "INSERT INTO t VALUES ('" + string.Concat(Enumerable.Repeat("日本語😀", 100)) + "')";

        var text = HeldStatementText.From(statement, Page, maxBytes: 101);

        var bytes = Encoding.UTF8.GetBytes(text.Text);
        Assert.True(bytes.Length <= 101);
        Assert.Equal(text.Text, Encoding.UTF8.GetString(bytes));
        Assert.False(char.IsHighSurrogate(text.Text[^1]));
        Assert.StartsWith(text.Text, statement, StringComparison.Ordinal);
    }

    [Fact]
    public void Idempotency_key_is_tg_and_the_request_id()
    {
        var id = Guid.Parse("7f3c9a1e-0000-4000-8000-000000000001");

        Assert.Equal("tg-7f3c9a1e-0000-4000-8000-000000000001", IdempotencyKeys.For(id));
    }
}
