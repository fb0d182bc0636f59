using System.Text.Json;
using System.Text.Json.Serialization;

namespace TicketGate.Workflows.Runtime;

/// <summary>Contract §6.1: <c>Running</c> or <c>Finished</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WorkflowStatus>))]
public enum WorkflowStatus
{
    Running,
    Finished,
}

/// <summary>Contract §6.1. Pending/Executing/Suspended/Interrupted go with Running; Finished/Cancelled/Faulted with Finished.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WorkflowSubStatus>))]
public enum WorkflowSubStatus
{
    Pending,
    Executing,
    Suspended,
    Finished,
    Cancelled,
    Faulted,
    Interrupted,
}

[JsonConverter(typeof(JsonStringEnumConverter<ActivityStatus>))]
public enum ActivityStatus
{
    Pending,
    Running,
    Completed,
    Canceled,
    Faulted,
}

/// <summary>
/// The persisted state of one workflow instance. Values (variables, input, output) are plain values; after loading
/// they are JSON elements until the runtime reads them back by the definition's declared types.
/// </summary>
public sealed class WorkflowInstance
{
    public required string Id { get; init; }
    public required string DefinitionId { get; init; }
    public required string DefinitionVersionId { get; init; }
    public int DefinitionVersion { get; init; }
    public string? Name { get; set; }
    public string? CorrelationId { get; set; }
    public WorkflowStatus Status { get; set; } = WorkflowStatus.Running;
    public WorkflowSubStatus SubStatus { get; set; } = WorkflowSubStatus.Pending;
    public Dictionary<string, object?> Input { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, object?> Output { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, object?> Variables { get; set; } = new(StringComparer.Ordinal);
    public List<Bookmark> Bookmarks { get; set; } = [];
    public List<ActivityIncident> Incidents { get; set; } = [];
    public List<JournalEntry> Journal { get; set; } = [];
    public List<ActivityExecutionRecord> ActivityExecutions { get; set; } = [];
    public FlowchartState Flowchart { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Optimistic concurrency: the stored row's version this state was read at (0 = never stored).</summary>
    [JsonIgnore]
    public long ConcurrencyVersion { get; set; }

    [JsonIgnore]
    public bool IsFinished => Status == WorkflowStatus.Finished;

    public Bookmark? FindBookmark(string bookmarkId)
    {
        foreach (var bookmark in Bookmarks)
        {
            if (bookmark.Id == bookmarkId) return bookmark;
        }
        return null;
    }
}

/// <summary>
/// A wait: the activity resumes when a stimulus with this <see cref="Name"/> (and <see cref="Hash"/>) arrives, or when
/// <see cref="DueAt"/> passes (timers). Consumed exactly once.
/// </summary>
public sealed class Bookmark
{
    public required string Id { get; init; }
    public required string WorkflowInstanceId { get; init; }
    public required string ActivityId { get; init; }
    public string? ActivityNodeId { get; init; }
    public required string ActivityInstanceId { get; init; }
    /// <summary>The stimulus name, e.g. <c>Elsa.Delay</c> or <c>TicketGate.ApprovalDecision</c>.</summary>
    public required string Name { get; init; }
    /// <summary>SHA-256 of the name and the canonical payload, so a stimulus finds its bookmarks without loading instances.</summary>
    public required string Hash { get; init; }
    public JsonElement? Payload { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool AutoBurn { get; init; } = true;
    public string? CallbackMethodName { get; init; }
}

/// <summary>A fault recorded against the activity that raised it (contract §2.5 incidents).</summary>
public sealed record ActivityIncident(
    string ActivityId, string? ActivityNodeId, string ActivityType, string Message, string? Exception, DateTimeOffset Timestamp);

/// <summary>One lifecycle event of an activity (contract §2.5 ExecutionLogRecord); <see cref="Sequence"/> orders them.</summary>
public sealed class JournalEntry
{
    public required string Id { get; init; }
    public required string ActivityInstanceId { get; init; }
    public required string ActivityId { get; init; }
    public required string ActivityType { get; init; }
    public int ActivityTypeVersion { get; init; }
    public string? ActivityName { get; init; }
    public string? NodeId { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public long Sequence { get; init; }
    /// <summary>Started, Resumed, Suspended, Completed, Faulted, Canceled, Skipped, or Log.</summary>
    public required string EventName { get; init; }
    public string? Message { get; init; }
    public object? Payload { get; init; }
}

/// <summary>One execution of an activity (contract §2.5 activity execution record).</summary>
public sealed class ActivityExecutionRecord
{
    public required string Id { get; init; }
    public required string ActivityId { get; init; }
    public string? ActivityNodeId { get; init; }
    public required string ActivityType { get; init; }
    public int ActivityTypeVersion { get; init; }
    public string? ActivityName { get; init; }
    public Dictionary<string, object?> ActivityState { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, object?> Outputs { get; set; } = new(StringComparer.Ordinal);
    public List<string> Outcomes { get; set; } = [];
    public string? Exception { get; set; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; set; }
    public bool HasBookmarks { get; set; }
    public ActivityStatus Status { get; set; } = ActivityStatus.Running;
    public string? SchedulingActivityId { get; init; }
}

/// <summary>
/// The flowchart walker's bookkeeping (contract §7.1): connections visited and followed, by their index in the
/// definition's connection list, and the nodes that already ran or were skipped in the current pass.
/// </summary>
public sealed class FlowchartState
{
    public SortedSet<int> Visited { get; set; } = [];
    public SortedSet<int> Followed { get; set; } = [];
    public SortedSet<string> Decided { get; set; } = new(StringComparer.Ordinal);
    public long NextSequence { get; set; }
}
