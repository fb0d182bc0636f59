using System.Collections.Concurrent;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Definitions;

/// <summary>
/// The definitions the runtime may run: saving drafts, publishing (only what compiles), retracting, and handing the
/// runner compiled versions. Compiled versions are cached by version id and content hash, so a draft overwritten in
/// place is compiled again and a published version is compiled once per process.
/// </summary>
public sealed class WorkflowCatalog(PostgresWorkflowDefinitionStore store, WorkflowCompiler compiler) : IWorkflowDefinitionSource
{
    private readonly ConcurrentDictionary<(string VersionId, string Hash), CompiledWorkflow> compiled = new();

    public PostgresWorkflowDefinitionStore Store { get; } = store;
    public WorkflowCompiler Compiler { get; } = compiler;

    /// <summary>Saves a draft. Drafts may be incomplete (the Studio autosaves while editing); they are checked at publish.</summary>
    public Task<StoredWorkflowDefinition> SaveDraftAsync(WorkflowDefinition model, CancellationToken cancellationToken) =>
        Store.SaveDraftAsync(model, cancellationToken);

    /// <summary>Publishes the latest version of a definition if it compiles.</summary>
    /// <exception cref="WorkflowValidationException">It doesn't compile; nothing changed.</exception>
    /// <exception cref="WorkflowDefinitionNotFoundException">No such definition.</exception>
    public async Task<(StoredWorkflowDefinition Definition, bool AlreadyPublished)> PublishAsync(string definitionId, CancellationToken cancellationToken)
    {
        var result = await Store.PublishLatestAsync(definitionId, latest => Cache(latest), cancellationToken);
        return result ?? throw new WorkflowDefinitionNotFoundException($"There is no workflow definition '{definitionId}' to publish.");
    }

    public Task<bool> RetractAsync(string definitionId, CancellationToken cancellationToken) => Store.RetractAsync(definitionId, cancellationToken);

    public async Task<CompiledWorkflow?> FindPublishedAsync(string definitionId, CancellationToken cancellationToken)
    {
        if (await Store.FindPublishedHeadAsync(definitionId, cancellationToken) is not { } head) return null;
        if (compiled.TryGetValue((head.VersionId, head.ContentHash), out var known)) return known;
        return await FindVersionAsync(head.VersionId, cancellationToken);
    }

    public async Task<CompiledWorkflow?> FindVersionAsync(string versionId, CancellationToken cancellationToken)
    {
        if (await Store.FindVersionHashAsync(versionId, cancellationToken) is not { } hash) return null;
        if (compiled.TryGetValue((versionId, hash), out var known)) return known;
        var stored = await Store.FindVersionAsync(versionId, cancellationToken);
        return stored is null ? null : Cache(stored);
    }

    /// <summary>Compiles a stored version (throwing if it no longer compiles) and keeps it for later runs.</summary>
    public CompiledWorkflow Cache(StoredWorkflowDefinition stored) =>
        compiled.GetOrAdd((stored.Definition.Id!, stored.ContentHash), _ => Compiler.Compile(stored.Definition));
}
