using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace TicketGate.Proxy.Classification;

/// <summary>
/// Remembers classifications by SQL text, so a statement sent again and again (prepared statements, pgbench)
/// is parsed once. Bounded: when full it starts over, which keeps it simple and its memory capped.
/// </summary>
public sealed class ClassificationCache
{
    /// <summary>Texts longer than this are classified every time; caching them would let a few big messages fill memory.</summary>
    public const int MaxCachedTextLength = 16 * 1024;

    private const int StackDecodeLimit = 512;

    private readonly SqlClassifier classifier;
    private readonly int capacity;
    private readonly Lock gate = new();
    private readonly Dictionary<string, SqlClassification> entries;
    private readonly Dictionary<string, SqlClassification>.AlternateLookup<ReadOnlySpan<char>> bySpan;
    private readonly Dictionary<string, SqlClassification> shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqlClassification>.AlternateLookup<ReadOnlySpan<char>> shapesBySpan;

    public ClassificationCache(SqlClassifier classifier, int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        this.classifier = classifier;
        this.capacity = capacity;
        entries = new Dictionary<string, SqlClassification>(StringComparer.Ordinal);
        bySpan = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        shapesBySpan = shapes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// Classifies the text of a simple Query. Texts are rarely repeated exactly there (literals differ), so one-statement
    /// queries are remembered by their <see cref="QueryShape"/>: a query that differs from a parsed one only in its numbers reuses
    /// that parse, with its own text. Anything without a shape is parsed.
    /// </summary>
    public SqlClassification ClassifyQuery(ReadOnlySpan<byte> utf8Sql)
    {
        Span<char> shape = stackalloc char[QueryShape.MaxLength];
        if (!QueryShape.TryWrite(utf8Sql, shape, out var length)) return classifier.Classify(utf8Sql);
        var key = shape[..length];
        SqlClassification? known;
        lock (gate)
        {
            shapesBySpan.TryGetValue(key, out known);
        }
        if (known is not null)
        {
            var statement = known.Statements[0];
            return new SqlClassification
            {
                Statements =
                [
                    new ClassifiedStatement
                    {
                        Text = QueryShape.StatementText(utf8Sql),
                        Classes = statement.Classes,
                        Tables = statement.Tables,
                        Functions = statement.Functions,
                        Kind = statement.Kind,
                        Note = statement.Note,
                    },
                ],
                Classes = known.Classes,
            };
        }
        var classification = classifier.Classify(utf8Sql);
        if (classification.Parsed && classification.Statements.Count == 1)
        {
            lock (gate)
            {
                if (shapes.Count >= capacity) shapes.Clear();
                shapes.TryAdd(key.ToString(), classification);
            }
        }
        return classification;
    }

    public int Count
    {
        get
        {
            lock (gate) return entries.Count;
        }
    }

    /// <summary>Classifies UTF-8 SQL, parsing it only if this text hasn't been seen; a hit allocates nothing.</summary>
    public SqlClassification Classify(ReadOnlySpan<byte> utf8Sql)
    {
        // Invalid UTF-8 would decode to replacement characters, making different byte strings share one key.
        if (utf8Sql.Length > MaxCachedTextLength || !Utf8.IsValid(utf8Sql)) return classifier.Classify(utf8Sql);

        char[]? rented = null;
        var chars = utf8Sql.Length <= StackDecodeLimit
            ? stackalloc char[StackDecodeLimit]
            : (rented = ArrayPool<char>.Shared.Rent(utf8Sql.Length));
        try
        {
            var text = chars[..Encoding.UTF8.GetChars(utf8Sql, chars)];
            lock (gate)
            {
                if (bySpan.TryGetValue(text, out var cached)) return cached;
            }
            var classification = classifier.Classify(utf8Sql);
            Remember(text.ToString(), classification);
            return classification;
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    public SqlClassification Classify(string sql)
    {
        if (sql.Length > MaxCachedTextLength) return classifier.Classify(sql);
        lock (gate)
        {
            if (entries.TryGetValue(sql, out var cached)) return cached;
        }
        var classification = classifier.Classify(sql);
        Remember(sql, classification);
        return classification;
    }

    private void Remember(string sql, SqlClassification classification)
    {
        lock (gate)
        {
            if (entries.Count >= capacity) entries.Clear();
            entries.TryAdd(sql, classification);
        }
    }
}
