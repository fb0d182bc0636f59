using System.Text.Json.Nodes;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.Jira;

/// <summary>The ticket content as Atlassian Document Format, which Jira Cloud v3 requires for descriptions and comments.</summary>
public static class AdfDescription
{
    public static JsonObject Of(TicketDraft draft, HeldStatementText statement)
    {
        var facts = new JsonArray();
        foreach (var (label, value) in TicketFacts.Of(draft))
        {
            var valueNode = label == "Request page" ? Link(value) : Text(value);
            facts.Add(new JsonObject
            {
                ["type"] = "listItem",
                ["content"] = new JsonArray(Paragraph(Strong(label + ": "), valueNode)),
            });
        }
        var content = new JsonArray { Paragraph(Text(TicketFacts.Intro)) };
        foreach (var line in (draft.Notes ?? "").Split('\n'))
        {
            // One paragraph per line: ADF text nodes carry no line breaks, and an empty one is refused.
            if (line.Trim().Length > 0) content.Add(Paragraph(Text(line.TrimEnd('\r'))));
        }
        foreach (var node in new JsonNode[]
        {
            new JsonObject { ["type"] = "bulletList", ["content"] = facts },
            new JsonObject
            {
                ["type"] = "heading",
                ["attrs"] = new JsonObject { ["level"] = 3 },
                ["content"] = new JsonArray(Text("Held statement")),
            },
            new JsonObject
            {
                ["type"] = "codeBlock",
                ["attrs"] = new JsonObject { ["language"] = "sql" },
                // ADF rejects empty text nodes.
                ["content"] = new JsonArray(Text(statement.Text.Length == 0 ? "(empty statement)" : statement.Text)),
            },
        })
        {
            content.Add(node);
        }
        if (statement.Note is not null)
        {
            content.Add(new JsonObject
            {
                ["type"] = "panel",
                ["attrs"] = new JsonObject { ["panelType"] = "warning" },
                ["content"] = new JsonArray(Paragraph(Text(statement.Note))),
            });
        }
        return Document(content);
    }

    /// <summary>Plain text as ADF: one paragraph per line.</summary>
    public static JsonObject FromText(string text)
    {
        var content = new JsonArray();
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            content.Add(line.Length == 0 ? new JsonObject { ["type"] = "paragraph" } : Paragraph(Text(line)));
        }
        return Document(content);
    }

    private static JsonObject Document(JsonArray content) =>
        new() { ["type"] = "doc", ["version"] = 1, ["content"] = content };

    private static JsonObject Paragraph(params JsonNode[] inline) => new() { ["type"] = "paragraph", ["content"] = new JsonArray(inline) };

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };

    private static JsonObject Strong(string text) => new()
    {
        ["type"] = "text",
        ["text"] = text,
        ["marks"] = new JsonArray(new JsonObject { ["type"] = "strong" }),
    };

    private static JsonObject Link(string url) => new()
    {
        ["type"] = "text",
        ["text"] = url,
        ["marks"] = new JsonArray(new JsonObject { ["type"] = "link", ["attrs"] = new JsonObject { ["href"] = url } }),
    };
}
