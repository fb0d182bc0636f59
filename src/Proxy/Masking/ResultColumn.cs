using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Masking;

/// <summary>One column of a result as RowDescription (and the Bind's result formats) describe it, with its masking rule if any.</summary>
internal struct ResultColumn
{
    public uint TableOid;
    public short Attribute;
    public uint TypeOid;
    public bool Binary;
    public ValueKind Kind;
    public ColumnMask? Rule;
}

/// <summary>What the masker does with one value of a row.</summary>
internal enum ValueAction : byte
{
    Keep,
    /// <summary>The whole value becomes its rule's replacement.</summary>
    Replace,
    /// <summary>What the detectors found is replaced; the value's length changes.</summary>
    MaskFindings,
    /// <summary>What the detectors found is overwritten with '*' of the same length, keeping binary framing intact.</summary>
    MaskInPlace,
    /// <summary>The value becomes NULL (a masked value whose type can't hold a replacement).</summary>
    Null,
}

internal enum MaskOutcome
{
    Unchanged,
    Rewritten,
    Blocked,
}
