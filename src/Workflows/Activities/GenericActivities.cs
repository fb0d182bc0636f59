using Microsoft.Extensions.Logging;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

public static class GenericActivities
{
    /// <summary>Registers the Elsa-named flow activities and the generic TicketGate ones (Log).</summary>
    public static ActivityRegistry AddGenericActivities(this ActivityRegistry registry, ILoggerFactory? loggers = null) => registry
        .Add(new FlowStart())
        .Add(new FlowEnd())
        .Add(new Finish())
        .Add(new FlowDecision())
        .Add(new FlowSwitch())
        .Add(new FlowJoin())
        .Add(new FlowFork())
        .Add(new SetVariable())
        .Add(new Delay())
        .Add(new WriteLine())
        .Add(new Log(loggers?.CreateLogger<Log>()));
}
