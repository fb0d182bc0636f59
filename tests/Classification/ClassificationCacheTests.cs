using System.Text;
using TicketGate.Proxy.Classification;

namespace TicketGate.Tests.Classification;

public class ClassificationCacheTests
{
    private static readonly SqlClassifier Classifier = new();

    [Fact]
    public void Same_text_returns_the_same_classification_instance()
    {
        var cache = new ClassificationCache(Classifier);
        var sql = "SELECT * FROM orders WHERE id = $1"u8;

        var first = cache.Classify(sql);
        var second = cache.Classify(sql);

        Assert.Same(first, second);
        Assert.Same(first, cache.Classify("SELECT * FROM orders WHERE id = $1"));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Different_texts_are_classified_separately()
    {
        var cache = new ClassificationCache(Classifier);

        var read = cache.Classify("SELECT 1 FROM t"u8);
        var write = cache.Classify("DELETE FROM t"u8);

        Assert.Equal(StatementClass.Read, read.Classes);
        Assert.Equal(StatementClass.Write, write.Classes);
    }

    [Fact]
    public void Hit_allocates_nothing()
    {
        var cache = new ClassificationCache(Classifier);
        var shortSql = "SELECT abalance FROM pgbench_accounts WHERE aid = $1"u8.ToArray();
        var longSql = Encoding.UTF8.GetBytes("SELECT " + string.Join(", ", Enumerable.Range(0, 200).Select(i => $"'ü{i}'")));
        cache.Classify(shortSql);
        cache.Classify(longSql);
        cache.Classify(longSql);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            cache.Classify(shortSql);
            cache.Classify(longSql);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Cache_stays_within_its_capacity()
    {
        var cache = new ClassificationCache(Classifier, capacity: 3);

        for (var i = 0; i < 10; i++) cache.Classify(Encoding.UTF8.GetBytes($"SELECT {i}"));

        Assert.InRange(cache.Count, 1, 3);
    }

    [Fact]
    public void Invalid_utf8_is_classified_but_never_cached()
    {
        var cache = new ClassificationCache(Classifier);
        byte[] sql = [.. "SELECT '"u8, 0xFF, .. "'"u8];

        cache.Classify(sql);

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Concurrent_lookups_agree()
    {
        var cache = new ClassificationCache(Classifier, capacity: 50);
        var texts = Enumerable.Range(0, 100).Select(i => Encoding.UTF8.GetBytes(i % 2 == 0 ? $"SELECT {i}" : $"DELETE FROM t{i}")).ToArray();
        var wrong = 0;

        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var k = i % texts.Length;
            var expected = k % 2 == 0 ? StatementClass.Read : StatementClass.Write;
            if (cache.Classify(texts[k]).Classes != expected) Interlocked.Increment(ref wrong);
        });

        Assert.Equal(0, wrong);
        Assert.InRange(cache.Count, 1, 50);
    }
}
