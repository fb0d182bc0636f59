using System.Text;

namespace TicketGate.Workflows.Definitions;

/// <summary>One reason a definition can't be imported or published, naming the activity and input when there is one.</summary>
public sealed record WorkflowProblem(string? ActivityId, string? Input, string Message)
{
    public override string ToString()
    {
        var where = (ActivityId, Input) switch
        {
            (null, null) => "",
            (not null, null) => $"activity '{ActivityId}': ",
            (null, not null) => $"'{Input}': ",
            _ => $"activity '{ActivityId}', input '{Input}': ",
        };
        return where + Message;
    }
}

/// <summary>The definition was rejected; nothing of it was stored or loaded. <see cref="Problems"/> lists every reason found.</summary>
public sealed class WorkflowValidationException(string? definitionId, IReadOnlyList<WorkflowProblem> problems)
    : Exception(Describe(definitionId, problems))
{
    public string? DefinitionId { get; } = definitionId;
    public IReadOnlyList<WorkflowProblem> Problems { get; } = problems;

    private static string Describe(string? definitionId, IReadOnlyList<WorkflowProblem> problems)
    {
        var text = new StringBuilder();
        text.Append("Workflow definition '").Append(definitionId ?? "(no definitionId)").Append("' is invalid (")
            .Append(problems.Count).Append(problems.Count == 1 ? " problem" : " problems").Append("); fix it and import it again:");
        foreach (var problem in problems) text.Append("\n  - ").Append(problem);
        return text.ToString();
    }
}
