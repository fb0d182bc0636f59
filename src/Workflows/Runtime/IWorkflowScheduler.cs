namespace TicketGate.Workflows.Runtime;

/// <summary>
/// Fires timer bookmarks (delays, escalations, deadlines). The runner schedules a bookmark when an instance that holds
/// it is saved and cancels it when the bookmark goes away; the implementation calls
/// <see cref="WorkflowRunner.ResumeAsync"/> with the bookmark id when it falls due. Implementations must tolerate a
/// Schedule for a bookmark already scheduled (after a restart) and a Cancel for one that already fired.
/// </summary>
public interface IWorkflowScheduler
{
    ValueTask ScheduleAsync(Bookmark bookmark, DateTimeOffset dueAt, CancellationToken cancellationToken);

    ValueTask CancelAsync(Bookmark bookmark, CancellationToken cancellationToken);
}

/// <summary>Told after an instance is persisted, e.g. to signal a finished instance's decision to the proxy that waits for it.</summary>
public interface IWorkflowInstanceObserver
{
    ValueTask InstanceSavedAsync(WorkflowInstance instance, CancellationToken cancellationToken);
}

/// <summary>Where the runner finds the compiled definition versions it runs.</summary>
public interface IWorkflowDefinitionSource
{
    /// <summary>The published version of a definition, or null when it has none.</summary>
    Task<CompiledWorkflow?> FindPublishedAsync(string definitionId, CancellationToken cancellationToken);

    /// <summary>A specific version by its version id (instances keep running on the version they started with).</summary>
    Task<CompiledWorkflow?> FindVersionAsync(string versionId, CancellationToken cancellationToken);
}
