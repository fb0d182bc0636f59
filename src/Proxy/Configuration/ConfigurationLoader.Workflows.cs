using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Scheduling;

namespace TicketGate.Proxy.Configuration;

public static partial class ConfigurationLoader
{
    /// <summary>
    /// <c>workflows: { directory, approval_definition, ticket_system, connections: { NAME: { definition, ticket_system } } }</c>.
    /// </summary>
    private static WorkflowOptions ReadWorkflows(YamlSection? section, IReadOnlyDictionary<string, ConnectionDefinition> connections)
    {
        if (section is null) return new WorkflowOptions();
        string? directory = null;
        if (section.Text("directory") is { } text)
        {
            directory = Path.GetFullPath(text, section.BaseDirectory);
            if (!Directory.Exists(directory)) section.Problem("directory", $"the folder {directory} does not exist");
        }
        var defaults = new ApprovalWorkflowBindings();
        var ticketSystem = TicketSystem(section, "ticket_system") ?? defaults.DefaultTicketSystem;
        var bindings = new Dictionary<string, ApprovalWorkflowBinding>(StringComparer.Ordinal);
        foreach (var (name, entry, line, column) in section.NamedSections("connections") ?? [])
        {
            if (!connections.ContainsKey(name))
            {
                section.Problems.Add(new ConfigurationProblem($"{section.KeyPath("connections")}.{name}", line, column,
                    $"there is no connection '{name}'; bind workflows to connections defined under connections"));
            }
            if (entry is null) continue;
            bindings[name] = new ApprovalWorkflowBinding { DefinitionId = entry.Text("definition"), TicketSystem = TicketSystem(entry, "ticket_system") };
            entry.RejectUnknownKeys();
        }
        var options = new WorkflowOptions
        {
            Directory = directory,
            Approvals = new ApprovalWorkflowBindings
            {
                DefaultDefinitionId = section.Text("approval_definition") ?? defaults.DefaultDefinitionId,
                DefaultTicketSystem = ticketSystem,
                Connections = bindings,
            },
            Scheduling = section.Duration("scheduler_poll_interval") is { } poll
                ? new SchedulingOptions { PollInterval = poll }
                : new SchedulingOptions(),
        };
        section.RejectUnknownKeys();
        return options;
    }

    private static string? TicketSystem(YamlSection section, string key)
    {
        var name = section.Text(key)?.ToLowerInvariant();
        if (name is null || TicketSystems.IsKnown(name)) return name;
        section.Problem(key, $"'{name}' is not a ticket system TicketGate knows; use {TicketSystems.Jira} or {TicketSystems.ServiceNow}");
        return null;
    }
}
