using System.Text;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.Jira;

/// <summary>The ticket content as Jira wiki markup, which Data Center's v2 API takes as a plain string.</summary>
public static class WikiDescription
{
    /// <summary>Wiki markup has no escape inside {code}; a statement holding the closing macro would end the block early.</summary>
    private const string CodeMacro = "{code";

    public static string Of(TicketDraft draft, HeldStatementText statement)
    {
        var text = new StringBuilder();
        text.Append(Escape(TicketFacts.Intro)).Append("\n\n");
        if (draft.Notes is { Length: > 0 } notes) text.Append(Escape(notes)).Append("\n\n");
        foreach (var (label, value) in TicketFacts.Of(draft))
        {
            text.Append("* *").Append(Escape(label)).Append(":* ");
            text.Append(label == "Request page" ? $"[{value}]" : Escape(value)).Append('\n');
        }
        text.Append("\nh3. Held statement\n{code:sql}\n");
        var body = statement.Text;
        var defused = body.Contains(CodeMacro, StringComparison.OrdinalIgnoreCase);
        if (defused) body = body.Replace(CodeMacro, "{\u200Bcode", StringComparison.OrdinalIgnoreCase);
        text.Append(body).Append("\n{code}\n");
        if (defused)
        {
            text.Append("{note}The statement contains \"{code\"; a zero-width space was put after each \"{\" of it so it shows inside the block. ")
                .Append("The exact text is on ").Append(draft.RequestPage).Append("{note}\n");
        }
        if (statement.Note is not null) text.Append("{warning}").Append(Escape(statement.Note)).Append("{warning}\n");
        return text.ToString();
    }

    /// <summary>Backslash-escapes the characters wiki markup would read as formatting or macros.</summary>
    public static string Escape(string value)
    {
        var text = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (c is '\\' or '*' or '_' or '{' or '}' or '[' or ']' or '|' or '^' or '~' or '+' or '!')
            {
                text.Append('\\');
            }
            text.Append(c);
        }
        return text.ToString();
    }
}
