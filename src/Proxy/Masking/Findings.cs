using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Masking;

/// <summary>A stretch of a value the detectors found sensitive.</summary>
internal readonly record struct Finding(int Start, int Length, SensitiveDataKinds Kind)
{
    public int End => Start + Length;
}

/// <summary>
/// The findings in one value, ordered by position and never overlapping (overlaps merge). Reused value after value, so a value
/// with nothing sensitive in it costs no allocation.
/// </summary>
internal sealed class Findings
{
    private Finding[] _items = new Finding[4];

    public int Count { get; private set; }

    public Finding this[int index] => _items[index];

    public void Clear() => Count = 0;

    public void Add(int start, int length, SensitiveDataKinds kind)
    {
        var end = start + length;
        // Findings are few per value: a linear walk keeps them sorted and merged.
        var i = 0;
        while (i < Count && _items[i].End < start) i++;
        if (i < Count && _items[i].Start <= end)
        {
            var merged = _items[i];
            var mergedStart = Math.Min(merged.Start, start);
            var mergedEnd = Math.Max(merged.End, end);
            var j = i + 1;
            while (j < Count && _items[j].Start <= mergedEnd)
            {
                mergedEnd = Math.Max(mergedEnd, _items[j].End);
                j++;
            }
            _items[i] = new Finding(mergedStart, mergedEnd - mergedStart, merged.Kind);
            var removed = j - i - 1;
            if (removed > 0)
            {
                Array.Copy(_items, j, _items, i + 1, Count - j);
                Count -= removed;
            }
            return;
        }
        if (Count == _items.Length) Array.Resize(ref _items, Count * 2);
        if (i < Count) Array.Copy(_items, i, _items, i + 1, Count - i);
        _items[i] = new Finding(start, length, kind);
        Count++;
    }
}
