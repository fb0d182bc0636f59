using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Definitions;

/// <summary>One file of an import and what became of it.</summary>
public sealed record ImportedWorkflow(string File, string DefinitionId, ImportOutcome Outcome, int Version);

/// <summary>
/// Imports <c>workflows/*.json</c> at start-up as published versions, only when their content changed. Every file is
/// compiled first; if any is invalid, none is imported and the exception names each file's problems.
/// </summary>
public sealed class WorkflowImporter(WorkflowCatalog catalog, ILogger<WorkflowImporter>? logger = null)
{
    private readonly ILogger log = logger ?? NullLogger<WorkflowImporter>.Instance;

    /// <exception cref="WorkflowImportException">A file is unreadable or invalid; nothing was imported.</exception>
    public async Task<IReadOnlyList<ImportedWorkflow>> ImportDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory)) return [];
        var files = Directory.GetFiles(directory, "*.json");
        Array.Sort(files, StringComparer.Ordinal);

        var valid = new List<(WorkflowDefinition, string, string)>(files.Length);
        var failures = new List<string>();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            try
            {
                var workflow = catalog.Compiler.Compile(await File.ReadAllTextAsync(file, cancellationToken));
                var definition = workflow.Definition;
                // A file without definitionId is named by its file, so renaming nothing keeps its versions together.
                definition.DefinitionId ??= Path.GetFileNameWithoutExtension(file);
                if (owners.TryGetValue(definition.DefinitionId, out var other))
                {
                    failures.Add($"{name}: definitionId '{definition.DefinitionId}' is also used by {other}; each file needs its own.");
                    continue;
                }
                owners[definition.DefinitionId] = name;
                valid.Add((definition, WorkflowJson.ContentHash(definition), name));
            }
            catch (WorkflowValidationException e)
            {
                failures.Add($"{name}: {e.Message}");
            }
            catch (IOException e)
            {
                failures.Add($"{name}: can't be read: {e.Message}");
            }
        }
        if (failures.Count > 0)
        {
            throw new WorkflowImportException(
                $"No workflow from {directory} was imported, because {failures.Count} of {files.Length} files are invalid:\n" +
                string.Join("\n", failures));
        }

        var results = await catalog.Store.ImportPublishedAsync(valid, cancellationToken);
        var imported = new List<ImportedWorkflow>(results.Count);
        for (var i = 0; i < results.Count; i++)
        {
            var (definitionId, outcome, version) = results[i];
            imported.Add(new ImportedWorkflow(valid[i].Item3, definitionId, outcome, version));
            if (outcome == ImportOutcome.Imported)
            {
                log.LogInformation("Imported workflow {DefinitionId} from {File} as published version {Version}.", definitionId, valid[i].Item3, version);
            }
        }
        return imported;
    }
}

public sealed class WorkflowImportException(string message) : Exception(message);
