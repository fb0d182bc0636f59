using System.Text.Json.Nodes;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Studio;

/// <summary>
/// The descriptor lists (contract §2.1 #9–17, #27–28, §4). They never change while the process runs, and the Studio fetches
/// the activity list after every autosave, so each list is rendered to JSON once.
/// </summary>
public sealed class StudioDescriptors
{
    public StudioDescriptors(ActivityRegistry registry)
    {
        var activities = new JsonArray();
        foreach (var descriptor in registry.Descriptors) activities.Add(StudioJson.ToNode(descriptor));
        Activities = StudioJson.ListResponse(activities).ToJsonString(StudioJson.Options);
    }

    public string Activities { get; }

    /// <summary>Only the syntaxes the runtime evaluates; Literal and Object are value encodings the syntax menu hides.</summary>
    public string Expressions { get; } = StudioJson.ListResponse(ExpressionItems()).ToJsonString(StudioJson.Options);

    public string ActivationStrategies { get; } = Strategies("typeName",
        ("TicketGate.Always", "Always", "Every start creates a new instance; held commands each get their own."));

    public string IncidentStrategies { get; } = Strategies("typeName",
        ("TicketGate.Fault", "Fault", "An activity that fails ends the instance as Faulted; a held command it decides is denied."));

    public string LogPersistenceStrategies { get; } = Strategies("typeName",
        ("TicketGate.Include", "Include", "The journal and activity inputs are kept with the instance."));

    public string CommitStrategies { get; } = Strategies("name",
        ("TicketGate.Settled", "When settled", "The instance is saved when it waits or ends."));

    public string Variables { get; } = VariableTypes();

    public string StorageDrivers { get; } = StudioJson.ListResponse(
    [
        new JsonObject { ["typeName"] = "WorkflowInstance", ["displayName"] = "Workflow instance", ["priority"] = 5, ["deprecated"] = false },
    ]).ToJsonString(StudioJson.Options);

    private static JsonArray ExpressionItems()
    {
        var items = new JsonArray();
        foreach (var syntax in ExpressionCompiler.Syntaxes)
        {
            var properties = new JsonObject();
            switch (syntax)
            {
                case ExpressionSyntax.Object: properties["MonacoLanguage"] = "json"; break;
                case ExpressionSyntax.JavaScript: properties["MonacoLanguage"] = "javascript"; break;
                case ExpressionSyntax.Liquid: properties["MonacoLanguage"] = "liquid"; break;
            }
            items.Add(new JsonObject
            {
                ["type"] = syntax,
                ["displayName"] = syntax,
                ["isSerializable"] = true,
                ["isBrowsable"] = syntax is not (ExpressionSyntax.Literal or ExpressionSyntax.Object),
                ["properties"] = properties,
            });
        }
        return items;
    }

    private static string Strategies(string key, params (string Name, string DisplayName, string Description)[] entries)
    {
        var items = new JsonArray();
        foreach (var (name, displayName, description) in entries)
        {
            items.Add(new JsonObject { [key] = name, ["displayName"] = displayName, ["description"] = description });
        }
        return StudioJson.ListResponse(items).ToJsonString(StudioJson.Options);
    }

    private static string VariableTypes()
    {
        var items = new JsonArray();
        foreach (var (alias, category) in (ReadOnlySpan<(string, string)>)[("String", "Primitives"), ("Boolean", "Primitives"), ("Int32", "Primitives"),
            ("Int64", "Primitives"), ("Decimal", "Primitives"), ("Double", "Primitives"), ("DateTimeOffset", "Primitives"), ("TimeSpan", "Primitives"),
            ("Guid", "Primitives"), ("Object", "Primitives"), ("JSON", "Dynamic"), ("ObjectDictionary", "Dictionaries")])
        {
            if (WorkflowTypes.Resolve(alias) is null) continue;
            items.Add(new JsonObject { ["typeName"] = alias, ["displayName"] = alias, ["category"] = category, ["description"] = null });
        }
        return StudioJson.ListResponse(items).ToJsonString(StudioJson.Options);
    }
}
