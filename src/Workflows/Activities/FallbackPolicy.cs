using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>TicketGate.FallbackPolicy</c>: decides when people can't — the ticket system stayed unreachable, or nobody decided by
/// the deadline. Block denies; AllowUpToTier allows commands at or below a tier and denies the rest. Either way the decision
/// that follows (Allow or Deny) is marked as made by the fallback policy.
/// </summary>
[Activity("TicketGate", "FallbackPolicy", Category = "TicketGate", DisplayName = "Fallback policy",
    Description = "Decides when the approval channel is unavailable: block, or allow only up to a risk tier.")]
[Outcomes("Allowed", "Denied")]
public sealed class FallbackPolicy : WorkflowActivity
{
    public const string Block = "Block";
    public const string AllowUpToTier = "AllowUpToTier";

    [Input(Description = "Block: deny. AllowUpToTier: allow commands at or below the tier below, deny the rest.",
        UIHint = InputUIHints.Dropdown, Options = [Block, AllowUpToTier], DefaultValue = Block, Order = 0)]
    public Input<string> Mode { get; } = new();

    [Input(Description = "The highest tier AllowUpToTier lets through.", UIHint = InputUIHints.Dropdown,
        Options = ["low", "medium", "high"], DefaultValue = "low", Order = 1)]
    public Input<string> AllowUpTo { get; } = new();

    [Input(Description = "Why the fallback decides, for the agent and the record, e.g. \"no approver decided within 30 minutes\". " +
                         "Empty: what the step before noted (a ticket system that couldn't be reached), else \"the approval channel is unavailable\".",
        Order = 2)]
    public Input<string> Cause { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var tier = ApprovalWorkflowInput.RequireTier(context.WorkflowInput);
        var mode = context.Get(Mode) is { Length: > 0 } m ? m : Block;
        var cause = context.Get(Cause) is { Length: > 0 } c
            ? c
            : WorkflowTypes.ConvertTo<string>(context.GetVariable(DecisionNotes.Reason)) is { Length: > 0 } noted ? noted : "the approval channel is unavailable";
        bool allowed;
        string rule;
        if (string.Equals(mode, AllowUpToTier, StringComparison.OrdinalIgnoreCase))
        {
            var limitText = context.Get(AllowUpTo);
            if (!RiskTierNames.TryParse(limitText, out var limit))
            {
                throw new InvalidOperationException($"input 'AllowUpTo' is '{limitText}', not one of low, medium, high.");
            }
            allowed = tier <= limit;
            rule = allowed ? $"allows {tier.ToName()} tier (up to {limit.ToName()})" : $"allows only up to {limit.ToName()} tier, this is {tier.ToName()}";
        }
        else if (string.Equals(mode, Block, StringComparison.OrdinalIgnoreCase))
        {
            allowed = false;
            rule = "blocks";
        }
        else
        {
            throw new InvalidOperationException($"input 'Mode' is '{mode}', not {Block} or {AllowUpToTier}.");
        }
        context.SetVariable(DecisionNotes.ByFallback, true);
        context.SetVariable(DecisionNotes.Reason, $"{cause}; the fallback policy {rule}");
        context.Log($"Fallback: {cause}; {rule}.");
        context.Complete(allowed ? "Allowed" : "Denied");
        return ValueTask.CompletedTask;
    }
}
