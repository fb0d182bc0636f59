namespace TicketGate.Workflows.Runtime;

/// <summary>
/// Persistence for instances and their bookmarks. Saving is optimistic (<see cref="WorkflowInstance.ConcurrencyVersion"/>)
/// and consuming a bookmark happens in the same atomic step as saving the state it produced, so a duplicate or
/// concurrent resume of the same bookmark can't run twice.
/// </summary>
public interface IWorkflowInstanceStore
{
    /// <summary>Stores a new instance and its bookmarks; sets <see cref="WorkflowInstance.ConcurrencyVersion"/>.</summary>
    Task InsertAsync(WorkflowInstance instance, CancellationToken cancellationToken);

    Task<WorkflowInstance?> FindAsync(string instanceId, CancellationToken cancellationToken);

    Task<StoredBookmark?> FindBookmarkAsync(string bookmarkId, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="instance"/> if the stored row is still at its <see cref="WorkflowInstance.ConcurrencyVersion"/>,
    /// consuming <paramref name="consumedBookmarkId"/> (when given) only if nobody consumed it yet; new bookmarks are
    /// inserted and the ones that disappeared from the state are marked cancelled. All or nothing.
    /// </summary>
    Task<SaveOutcome> SaveAsync(WorkflowInstance instance, string? consumedBookmarkId, CancellationToken cancellationToken);

    /// <summary>Unconsumed bookmarks with a due time, earliest first (for re-arming timers at start-up).</summary>
    Task<IReadOnlyList<Bookmark>> ListTimersAsync(CancellationToken cancellationToken);

    /// <summary>Unconsumed bookmarks whose hash matches a stimulus (name + payload), oldest first.</summary>
    Task<IReadOnlyList<Bookmark>> FindByHashAsync(string hash, CancellationToken cancellationToken);
}

public enum SaveOutcome
{
    Saved,
    /// <summary>Someone saved the instance since it was read; reload and retry.</summary>
    Conflict,
    /// <summary>The bookmark was consumed (or cancelled) by someone else; nothing was saved.</summary>
    BookmarkAlreadyConsumed,
}

/// <summary>A bookmark as stored, with whether and when it was used up.</summary>
public sealed record StoredBookmark(Bookmark Bookmark, DateTimeOffset? ConsumedAt, bool Cancelled)
{
    public bool IsOpen => ConsumedAt is null;
}
