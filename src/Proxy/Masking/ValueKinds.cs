namespace TicketGate.Proxy.Masking;

/// <summary>What the masker can do with a binary-format value of a type.</summary>
internal enum ValueKind : byte
{
    /// <summary>A type TicketGate doesn't decode (records, most arrays, extension types): strict mode blocks it.</summary>
    Opaque,
    /// <summary>UTF-8 text as is (text, varchar, bpchar, name, json, xml, bytea): scanned and rewritten freely.</summary>
    Text,
    /// <summary>jsonb: a version byte, then JSON text.</summary>
    Jsonb,
    /// <summary>Fixed-size values that can't carry text (bool, int4, float8, timestamps, uuid…).</summary>
    Inert,
    /// <summary>int8: its decimal digits are checked for card numbers.</summary>
    Int8,
    /// <summary>numeric: its integral digits are checked for card numbers.</summary>
    Numeric,
    /// <summary>Arrays of text types: their elements are raw UTF-8 between length words, so masking in place (same length) keeps the framing.</summary>
    TextArray,
}

/// <summary>Built-in type OIDs (from pg_type, fixed across PostgreSQL versions) and how their binary form is inspected.</summary>
internal static class ValueKinds
{
    public const uint Json = 114;
    public const uint JsonbOid = 3802;

    public static ValueKind Of(uint typeOid) => typeOid switch
    {
        25 or 1043 or 1042 or 19 or 18 or 705 or 114 or 142 or 17 => ValueKind.Text,
        3802 => ValueKind.Jsonb,
        16 or 21 or 23 or 26 or 700 or 701 or 1082 or 1083 or 1114 or 1184 or 1186 or 1266 or 2950 or 869 or 650 or 829 or 774 or 790
            or 28 or 27 or 3220 or 5069 => ValueKind.Inert,
        20 => ValueKind.Int8,
        1700 => ValueKind.Numeric,
        1009 or 1015 or 1014 or 1003 or 199 or 3807 or 143 => ValueKind.TextArray,
        _ => ValueKind.Opaque,
    };

    /// <summary>Whether a whole-value replacement of this type must be a JSON string.</summary>
    public static bool IsJson(uint typeOid) => typeOid is Json or JsonbOid;
}
