using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;

namespace TicketGate.Workflows.Runtime;

/// <summary>What a caller may pass when starting an instance.</summary>
public sealed record WorkflowStartRequest
{
    public IReadOnlyDictionary<string, object?>? Input { get; init; }
    public string? CorrelationId { get; init; }
    /// <summary>Leave null for a new id; callers that must know the id before the run (a held command) set it.</summary>
    public string? InstanceId { get; init; }
    /// <summary>The trigger that started the run; it becomes the start node (contract §7.1).</summary>
    public string? TriggerActivityId { get; init; }
    public string? Name { get; init; }
}

/// <summary>An instance after a run: finished, faulted (with the incident), cancelled, or suspended on bookmarks.</summary>
public sealed record WorkflowRunResult(WorkflowInstance Instance, ActivityIncident? Fault)
{
    public bool IsFaulted => Instance.SubStatus == WorkflowSubStatus.Faulted;
    public bool IsFinished => Instance.Status == WorkflowStatus.Finished;
    public bool IsSuspended => Instance.SubStatus == WorkflowSubStatus.Suspended;
}

public enum ResumeOutcome
{
    Resumed,
    /// <summary>The bookmark was used before (a duplicate event, or a timer racing a decision); nothing ran.</summary>
    AlreadyConsumed,
    BookmarkNotFound,
    InstanceNotFound,
}

public sealed record WorkflowResumeResult(ResumeOutcome Outcome, WorkflowRunResult? Run);

/// <summary>
/// Starts, resumes and cancels workflow instances: loads the compiled version, runs it in memory until it settles,
/// persists it atomically with the bookmark it consumed, then arms or disarms timers and tells observers.
/// </summary>
public sealed class WorkflowRunner
{
    private const int MaxAttempts = 8;
    private readonly IWorkflowDefinitionSource definitions;
    private readonly IWorkflowInstanceStore store;
    private readonly IWorkflowScheduler scheduler;
    private readonly IReadOnlyList<IWorkflowInstanceObserver> observers;
    private readonly TimeProvider time;
    private readonly IServiceProvider services;
    private readonly ILogger logger;
    // Runs of one instance in this process queue up instead of racing to an optimistic-concurrency retry.
    private readonly SemaphoreSlim[] stripes = CreateStripes(64);

    public WorkflowRunner(IWorkflowDefinitionSource definitions, IWorkflowInstanceStore store, IWorkflowScheduler scheduler,
        IEnumerable<IWorkflowInstanceObserver>? observers = null, TimeProvider? time = null, IServiceProvider? services = null,
        ILogger<WorkflowRunner>? logger = null)
    {
        this.definitions = definitions;
        this.store = store;
        this.scheduler = scheduler;
        this.observers = [.. observers ?? []];
        this.time = time ?? TimeProvider.System;
        this.services = services ?? EmptyServices.Instance;
        this.logger = logger ?? NullLogger<WorkflowRunner>.Instance;
    }

    /// <summary>Starts the published version of <paramref name="definitionId"/>.</summary>
    /// <exception cref="WorkflowDefinitionNotFoundException">No published version exists.</exception>
    public async Task<WorkflowRunResult> StartAsync(string definitionId, WorkflowStartRequest request, CancellationToken cancellationToken)
    {
        var workflow = await definitions.FindPublishedAsync(definitionId, cancellationToken)
            ?? throw new WorkflowDefinitionNotFoundException(
                $"Workflow definition '{definitionId}' has no published version; publish it (or add it to workflows/) first.");
        return await StartAsync(workflow, request, cancellationToken);
    }

    /// <summary>Starts a specific compiled version (e.g. the Studio's "Run" on the latest draft).</summary>
    public async Task<WorkflowRunResult> StartAsync(CompiledWorkflow workflow, WorkflowStartRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var instance = new WorkflowInstance
        {
            Id = request.InstanceId ?? WorkflowIds.New(), DefinitionId = workflow.DefinitionId, DefinitionVersionId = workflow.VersionId,
            DefinitionVersion = workflow.Version, Name = request.Name ?? workflow.Definition.Name, CorrelationId = request.CorrelationId,
            CreatedAt = now, UpdatedAt = now,
        };
        foreach (var (name, variable) in workflow.Variables)
        {
            instance.Variables[name] = WorkflowTypes.Coerce(variable.Value, WorkflowCompiler.VariableType(variable));
        }
        foreach (var (name, value) in request.Input ?? new Dictionary<string, object?>()) instance.Input[name] = value;
        ReadValues(workflow, instance);

        var execution = new WorkflowExecution(workflow, instance, time, services, cancellationToken);
        await execution.StartAsync(request.TriggerActivityId);
        instance.UpdatedAt = time.GetUtcNow();
        await store.InsertAsync(instance, cancellationToken);
        await ArmTimersAsync([], instance.Bookmarks, cancellationToken);
        await NotifyAsync(instance, cancellationToken);
        return new WorkflowRunResult(instance, execution.Fault);
    }

    /// <summary>
    /// Resumes the activity waiting on <paramref name="bookmarkId"/> with <paramref name="payload"/> (plain values or JSON).
    /// The bookmark is consumed exactly once: a second resume reports <see cref="ResumeOutcome.AlreadyConsumed"/> and runs nothing.
    /// </summary>
    public async Task<WorkflowResumeResult> ResumeAsync(string bookmarkId, object? payload, CancellationToken cancellationToken)
    {
        var stored = await store.FindBookmarkAsync(bookmarkId, cancellationToken);
        if (stored is null) return new WorkflowResumeResult(ResumeOutcome.BookmarkNotFound, null);
        if (!stored.IsOpen) return new WorkflowResumeResult(ResumeOutcome.AlreadyConsumed, null);

        return await WithInstanceAsync(stored.Bookmark.WorkflowInstanceId, bookmarkId, cancellationToken, async (execution, instance) =>
        {
            var bookmark = instance.FindBookmark(bookmarkId);
            if (bookmark is null) return false;
            await execution.ResumeAsync(bookmark, WorkflowTypes.Plain(payload));
            return true;
        });
    }

    /// <summary>Resumes every open bookmark matching a stimulus (name + payload), e.g. a decision for one approval request.</summary>
    public async Task<IReadOnlyList<WorkflowResumeResult>> ResumeStimulusAsync(string stimulusName, object? stimulusPayload, object? input,
        CancellationToken cancellationToken)
    {
        var hash = ActivityExecutionContext.StimulusHash(stimulusName, stimulusPayload);
        var results = new List<WorkflowResumeResult>();
        foreach (var bookmark in await store.FindByHashAsync(hash, cancellationToken))
        {
            results.Add(await ResumeAsync(bookmark.Id, input, cancellationToken));
        }
        return results;
    }

    /// <summary>Cancels a running instance: its waits are dropped and it ends Finished/Cancelled. False when it was already finished.</summary>
    public async Task<bool> CancelAsync(string instanceId, CancellationToken cancellationToken)
    {
        var result = await WithInstanceAsync(instanceId, null, cancellationToken, (execution, instance) =>
        {
            if (instance.IsFinished) return Task.FromResult(false);
            execution.Cancel();
            return Task.FromResult(true);
        });
        return result.Outcome == ResumeOutcome.Resumed;
    }

    /// <summary>Re-arms every open timer bookmark, e.g. at start-up after a crash; timers already due fire at once.</summary>
    public async Task<int> RearmTimersAsync(CancellationToken cancellationToken)
    {
        var timers = await store.ListTimersAsync(cancellationToken);
        foreach (var bookmark in timers) await scheduler.ScheduleAsync(bookmark, bookmark.DueAt!.Value, cancellationToken);
        return timers.Count;
    }

    private async Task<WorkflowResumeResult> WithInstanceAsync(string instanceId, string? consumedBookmarkId,
        CancellationToken cancellationToken, Func<WorkflowExecution, WorkflowInstance, Task<bool>> run)
    {
        var stripe = stripes[(uint)StringComparer.Ordinal.GetHashCode(instanceId) % (uint)stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var instance = await store.FindAsync(instanceId, cancellationToken);
                if (instance is null) return new WorkflowResumeResult(ResumeOutcome.InstanceNotFound, null);
                var workflow = await definitions.FindVersionAsync(instance.DefinitionVersionId, cancellationToken)
                    ?? throw new WorkflowDefinitionNotFoundException(
                        $"Instance {instance.Id} runs version {instance.DefinitionVersionId} of '{instance.DefinitionId}', which is no longer stored; " +
                        "versions that instances use must be kept.");
                ReadValues(workflow, instance);
                var before = new List<Bookmark>(instance.Bookmarks);
                var execution = new WorkflowExecution(workflow, instance, time, services, cancellationToken);
                if (!await run(execution, instance))
                {
                    // The state no longer holds the bookmark (or the instance ended): a concurrent run already used it.
                    return new WorkflowResumeResult(ResumeOutcome.AlreadyConsumed, new WorkflowRunResult(instance, null));
                }
                instance.UpdatedAt = time.GetUtcNow();
                switch (await store.SaveAsync(instance, consumedBookmarkId, cancellationToken))
                {
                    case SaveOutcome.Saved:
                        await ArmTimersAsync(before, instance.Bookmarks, cancellationToken);
                        await NotifyAsync(instance, cancellationToken);
                        return new WorkflowResumeResult(ResumeOutcome.Resumed, new WorkflowRunResult(instance, execution.Fault));
                    case SaveOutcome.BookmarkAlreadyConsumed:
                        return new WorkflowResumeResult(ResumeOutcome.AlreadyConsumed, null);
                    case SaveOutcome.Conflict when attempt < MaxAttempts:
                        continue;
                    default:
                        throw new WorkflowConcurrencyException(
                            $"Instance {instanceId} kept changing under this run ({MaxAttempts} attempts); another process is updating it in a loop.");
                }
            }
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <summary>Stored values come back as JSON; read them by the declared variable and input types.</summary>
    private static void ReadValues(CompiledWorkflow workflow, WorkflowInstance instance)
    {
        foreach (var name in new List<string>(instance.Variables.Keys))
        {
            var value = instance.Variables[name];
            instance.Variables[name] = workflow.Variables.TryGetValue(name, out var variable)
                ? WorkflowTypes.Coerce(value, WorkflowCompiler.VariableType(variable))
                : WorkflowTypes.Plain(value);
        }
        var declared = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var input in workflow.Definition.Inputs ?? []) declared[input.Name] = input.IsArray && input.Type is { } t && !t.EndsWith("[]", StringComparison.Ordinal) ? t + "[]" : input.Type;
        foreach (var name in new List<string>(instance.Input.Keys))
        {
            var value = instance.Input[name];
            instance.Input[name] = declared.TryGetValue(name, out var type) ? WorkflowTypes.Coerce(value, type) : WorkflowTypes.Plain(value);
        }
        foreach (var name in new List<string>(instance.Output.Keys))
        {
            if (instance.Output[name] is JsonElement element) instance.Output[name] = WorkflowTypes.FromJson(element);
        }
    }

    private async Task ArmTimersAsync(List<Bookmark> before, List<Bookmark> after, CancellationToken cancellationToken)
    {
        var beforeIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var bookmark in before) beforeIds.Add(bookmark.Id);
        var afterIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var bookmark in after)
        {
            afterIds.Add(bookmark.Id);
            if (bookmark.DueAt is { } dueAt && !beforeIds.Contains(bookmark.Id)) await GuardAsync(bookmark, () => scheduler.ScheduleAsync(bookmark, dueAt, cancellationToken));
        }
        foreach (var bookmark in before)
        {
            if (bookmark.DueAt is not null && !afterIds.Contains(bookmark.Id)) await GuardAsync(bookmark, () => scheduler.CancelAsync(bookmark, cancellationToken));
        }
    }

    // The instance is already saved; a scheduler hiccup must not undo that. Start-up re-arms what was missed.
    private async Task GuardAsync(Bookmark bookmark, Func<ValueTask> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Scheduler failed for timer bookmark {BookmarkId} of instance {InstanceId}; it is re-armed at the next start-up.",
                bookmark.Id, bookmark.WorkflowInstanceId);
        }
    }

    private async Task NotifyAsync(WorkflowInstance instance, CancellationToken cancellationToken)
    {
        foreach (var observer in observers) await observer.InstanceSavedAsync(instance, cancellationToken);
    }

    private static SemaphoreSlim[] CreateStripes(int count)
    {
        var result = new SemaphoreSlim[count];
        for (var i = 0; i < count; i++) result[i] = new SemaphoreSlim(1, 1);
        return result;
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();
        public object? GetService(Type serviceType) => null;
    }
}

public sealed class WorkflowDefinitionNotFoundException(string message) : Exception(message);

public sealed class WorkflowConcurrencyException(string message) : Exception(message);
