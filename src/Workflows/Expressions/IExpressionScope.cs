namespace TicketGate.Workflows.Expressions;

/// <summary>What an expression sees while it runs: the instance's variables and input, and its identity.</summary>
public interface IExpressionScope
{
    string WorkflowInstanceId { get; }
    string WorkflowDefinitionId { get; }
    string? CorrelationId { get; }

    /// <summary>Current variable values by name.</summary>
    IReadOnlyDictionary<string, object?> Variables { get; }

    /// <summary>The workflow input by name.</summary>
    IReadOnlyDictionary<string, object?> Input { get; }

    /// <summary>Sets a variable, converting the value to the variable's declared type.</summary>
    void SetVariable(string name, object? value);

    CancellationToken CancellationToken { get; }
}
