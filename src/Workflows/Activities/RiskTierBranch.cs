using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>TicketGate.RiskTier</c>: takes the path of the held command's risk tier, as classification and policy assigned it
/// (the workflow input <c>tier</c>). An unknown tier faults the instance, which denies the command.
/// </summary>
[Activity("TicketGate", "RiskTier", Category = "TicketGate", DisplayName = "Risk tier",
    Description = "Branches on the held command's risk tier (classification and policy).")]
[Outcomes("Low", "Medium", "High", "Critical")]
public sealed class RiskTierBranch : WorkflowActivity
{
    [Input(Description = "The tier to branch on: low, medium, high or critical. Empty: the tier policy gave the held command.",
        UIHint = InputUIHints.SingleLine)]
    public Input<string> Tier { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var text = context.Get(Tier);
        RiskTier tier;
        if (string.IsNullOrWhiteSpace(text)) tier = ApprovalWorkflowInput.RequireTier(context.WorkflowInput);
        else if (!RiskTierNames.TryParse(text, out tier)) throw new InvalidOperationException($"input 'Tier' is '{text}', not one of low, medium, high, critical.");
        context.Complete(tier switch
        {
            RiskTier.Low => "Low",
            RiskTier.Medium => "Medium",
            RiskTier.High => "High",
            _ => "Critical",
        });
        return ValueTask.CompletedTask;
    }
}
