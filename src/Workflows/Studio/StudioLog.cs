using Microsoft.Extensions.Logging;

namespace TicketGate.Workflows.Studio;

internal static partial class StudioLog
{
    [LoggerMessage(700, LogLevel.Warning, "Studio save of workflow {DefinitionId} refused: {Problems}")]
    public static partial void SaveRefused(ILogger logger, string definitionId, string problems);

    [LoggerMessage(701, LogLevel.Information, "Workflow {DefinitionId} version {Version} published from the Studio; new held commands bound to it start this version")]
    public static partial void Published(ILogger logger, string definitionId, int version);

    [LoggerMessage(702, LogLevel.Warning, "Workflow {DefinitionId} unpublished while it decides the held commands of {Connections}; they are denied until a version is published")]
    public static partial void RetractedBound(ILogger logger, string definitionId, string connections);

    [LoggerMessage(703, LogLevel.Information, "Workflow instance {InstanceId} cancelled from the Studio; its held command {RequestId} is denied")]
    public static partial void CancelledHeld(ILogger logger, string instanceId, Guid requestId);
}
