using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Masking;

/// <summary>
/// Masks one session's results on their way to the agent: knows the columns of the current result (from RowDescription, or
/// remembered per prepared statement for an Execute without Describe) and rewrites DataRow messages whose values need masking,
/// keeping every other value byte for byte. A row with nothing to mask is left alone and costs no allocation.
/// Not thread-safe: the session's server pump is its only user.
/// </summary>
internal sealed partial class ResultMasker(ConnectionMasking masking) : IDisposable
{
    private readonly MaskFormatter _formatter = new(masking.HashKey);
    private readonly Findings _findings = new();
    private readonly HashSet<uint> _missingTables = [];
    private readonly Dictionary<object, ResultColumn[]> _shapes = new(ReferenceEqualityComparer.Instance);
    private ResultColumn[] _columns = new ResultColumn[16];
    private ValueAction[] _actions = new ValueAction[16];
    private int _columnCount;

    public ConnectionMasking Masking => masking;

    /// <summary>True while a result's columns are known (from its RowDescription until its completion).</summary>
    public bool HasPlan { get; private set; }

    /// <summary>Tables a RowDescription named that the catalog has not looked at yet.</summary>
    public IReadOnlyCollection<uint> MissingTables => _missingTables;

    /// <summary>Whether the catalog knows every table <paramref name="rowDescription"/> names; if not, <see cref="MissingTables"/> says which.</summary>
    public bool CanPlan(ReadOnlySpan<byte> rowDescription)
    {
        _missingTables.Clear();
        if (!masking.Catalog.HasRules) return true;
        var count = BinaryPrimitives.ReadInt16BigEndian(rowDescription);
        var pos = 2;
        for (var i = 0; i < count; i++)
        {
            var nameEnd = rowDescription[pos..].IndexOf((byte)0);
            if (nameEnd < 0) return true;
            pos += nameEnd + 1;
            var table = BinaryPrimitives.ReadUInt32BigEndian(rowDescription[pos..]);
            if (table != 0 && !masking.Catalog.TryGet(table, out _)) _missingTables.Add(table);
            pos += 18;
        }
        return _missingTables.Count == 0;
    }

    /// <summary>
    /// Takes the columns of a RowDescription. <paramref name="describedStatement"/> is the prepared statement or portal a Describe
    /// asked about (its shape is remembered for later Executes); <paramref name="current"/> says whether rows follow now.
    /// </summary>
    public void Plan(ReadOnlySpan<byte> rowDescription, object? describedStatement, bool current)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(rowDescription);
        Ensure(count);
        var pos = 2;
        for (var i = 0; i < count; i++)
        {
            pos += rowDescription[pos..].IndexOf((byte)0) + 1;
            ref var column = ref _columns[i];
            column.TableOid = BinaryPrimitives.ReadUInt32BigEndian(rowDescription[pos..]);
            column.Attribute = BinaryPrimitives.ReadInt16BigEndian(rowDescription[(pos + 4)..]);
            column.TypeOid = BinaryPrimitives.ReadUInt32BigEndian(rowDescription[(pos + 6)..]);
            column.Binary = BinaryPrimitives.ReadInt16BigEndian(rowDescription[(pos + 16)..]) == 1;
            column.Kind = ValueKinds.Of(column.TypeOid);
            column.Rule = column.TableOid != 0 && masking.Catalog.TryGet(column.TableOid, out var table) ? table.Column(column.Attribute) : null;
            pos += 18;
        }
        _columnCount = count;
        if (describedStatement is not null) Remember(describedStatement);
        HasPlan = current;
    }

    /// <summary>Plans an Execute that came without a Describe from what an earlier Describe of its statement said.</summary>
    public bool PlanFromStatement(object statement, short[]? resultFormats)
    {
        if (!_shapes.TryGetValue(statement, out var shape)) return false;
        Ensure(shape.Length);
        shape.CopyTo(_columns, 0);
        _columnCount = shape.Length;
        for (var i = 0; i < shape.Length; i++) _columns[i].Binary = FormatOf(resultFormats, i) == 1;
        HasPlan = true;
        return true;
    }

    /// <summary>The current result ended (a completion, an error, ReadyForQuery).</summary>
    public void EndResult()
    {
        HasPlan = false;
        _copy = CopyMode.None;
    }

    /// <summary>Masks a DataRow (whole message, code and length included) into <paramref name="output"/> when anything in it needs masking.</summary>
    public MaskOutcome DataRow(ReadOnlySpan<byte> message, IBufferWriter<byte> output, out string? problem)
    {
        problem = null;
        var body = message[5..];
        int count = BinaryPrimitives.ReadInt16BigEndian(body);
        if (_actions.Length < count) _actions = new ValueAction[Math.Max(count, _actions.Length * 2)];
        var pos = 2;
        var changed = false;
        var extra = 0;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body[pos..]);
            pos += 4;
            if (length < 0)
            {
                _actions[i] = ValueAction.Keep;
                continue;
            }
            var action = Inspect(i, body.Slice(pos, length), out problem);
            if (problem is not null) return MaskOutcome.Blocked;
            _actions[i] = action;
            pos += length;
            if (action == ValueAction.Keep) continue;
            changed = true;
            extra += action == ValueAction.MaskFindings ? _findings.Count * MaskFormatter.MaxLength : MaskFormatter.MaxLength;
        }
        if (!changed) return MaskOutcome.Unchanged;

        var span = output.GetSpan(message.Length + extra);
        message[..7].CopyTo(span);
        var read = 7;
        var written = 7;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(message[read..]);
            var value = length < 0 ? default : message.Slice(read + 4, length);
            var action = _actions[i];
            if (action == ValueAction.Keep)
            {
                var whole = 4 + Math.Max(length, 0);
                message.Slice(read, whole).CopyTo(span[written..]);
                written += whole;
            }
            else if (action == ValueAction.Null)
            {
                BinaryPrimitives.WriteInt32BigEndian(span[written..], -1);
                written += 4;
            }
            else
            {
                var valueLength = WriteMasked(i, value, action, span[(written + 4)..]);
                BinaryPrimitives.WriteInt32BigEndian(span[written..], valueLength);
                written += 4 + valueLength;
            }
            read += 4 + Math.Max(length, 0);
        }
        BinaryPrimitives.WriteInt32BigEndian(span[1..], written - 1);
        output.Advance(written);
        return MaskOutcome.Rewritten;
    }

    /// <summary>Decides what happens to value <paramref name="index"/>; sets <paramref name="problem"/> when strict mode must block.</summary>
    private ValueAction Inspect(int index, ReadOnlySpan<byte> value, out string? problem)
    {
        problem = null;
        if (!HasPlan || index >= _columnCount)
        {
            // Columns unknown: text or binary alike, what looks sensitive is starred out in place.
            if (masking.Strict)
            {
                problem = "TicketGate could not tell which columns this result has (an Execute of a statement it never saw described)";
                return ValueAction.Keep;
            }
            return Scan(value, 0) ? ValueAction.MaskInPlace : ValueAction.Keep;
        }
        ref readonly var column = ref _columns[index];
        if (column.Rule is { } rule)
        {
            if (!column.Binary || column.Kind is ValueKind.Text or ValueKind.Jsonb) return ValueAction.Replace;
            if (masking.Strict)
            {
                problem = $"column {rule} is sent in binary as type OID {column.TypeOid}, which TicketGate can't mask";
                return ValueAction.Keep;
            }
            return ValueAction.Null;
        }
        if (masking.Detectors == SensitiveDataKinds.None) return ValueAction.Keep;
        if (!column.Binary) return Scan(value, 0) ? ValueAction.MaskFindings : ValueAction.Keep;
        switch (column.Kind)
        {
            case ValueKind.Text:
                return Scan(value, 0) ? ValueAction.MaskFindings : ValueAction.Keep;
            case ValueKind.Jsonb:
                return Scan(value, 1) ? ValueAction.MaskFindings : ValueAction.Keep;
            case ValueKind.TextArray:
                return Scan(value, 0) ? ValueAction.MaskInPlace : ValueAction.Keep;
            case ValueKind.Inert:
                return ValueAction.Keep;
            case ValueKind.Int8 or ValueKind.Numeric:
                if (!NumberLooksLikeCard(column.Kind, value)) return ValueAction.Keep;
                if (masking.Strict) problem = "a binary number in this result is a card number, and a number can't hold its mask";
                return ValueAction.Null;
            default:
                if (masking.Strict)
                {
                    problem = $"a value of type OID {column.TypeOid} came in binary, which TicketGate can't inspect";
                }
                return ValueAction.Keep;
        }
    }

    /// <summary>Runs the detectors over <paramref name="value"/> from <paramref name="offset"/>; true when they found anything.</summary>
    private bool Scan(ReadOnlySpan<byte> value, int offset)
    {
        _findings.Clear();
        if (value.Length <= offset) return false;
        SensitiveText.Find(value[offset..], masking.Detectors, _findings);
        return _findings.Count > 0;
    }

    private int WriteMasked(int index, ReadOnlySpan<byte> value, ValueAction action, Span<byte> destination)
    {
        var hasColumn = HasPlan && index < _columnCount;
        var column = hasColumn ? _columns[index] : default;
        switch (action)
        {
            case ValueAction.Replace:
            {
                var pos = 0;
                var original = value;
                if (column.Binary && column.Kind == ValueKind.Jsonb)
                {
                    destination[pos++] = 1;
                    original = value.Length > 0 ? value[1..] : value;
                }
                return pos + _formatter.Write(original, column.Rule!.Style, destination[pos..], ValueKinds.IsJson(column.TypeOid));
            }
            case ValueAction.MaskInPlace:
                value.CopyTo(destination);
                Scan(value, 0);
                for (var f = 0; f < _findings.Count; f++) destination.Slice(_findings[f].Start, _findings[f].Length).Fill((byte)'*');
                return value.Length;
            default:
            {
                var offset = column.Binary && column.Kind == ValueKind.Jsonb ? 1 : 0;
                Scan(value, offset);
                return ReplaceFindings(value, offset, destination);
            }
        }
    }

    /// <summary>Copies <paramref name="value"/> with each finding (relative to <paramref name="offset"/>) replaced in the detectors' style.</summary>
    private int ReplaceFindings(ReadOnlySpan<byte> value, int offset, Span<byte> destination)
    {
        var read = 0;
        var written = 0;
        for (var f = 0; f < _findings.Count; f++)
        {
            var finding = _findings[f];
            var start = offset + finding.Start;
            value[read..start].CopyTo(destination[written..]);
            written += start - read;
            written += _formatter.Write(value.Slice(start, finding.Length), masking.DetectorStyle, destination[written..]);
            read = start + finding.Length;
        }
        value[read..].CopyTo(destination[written..]);
        return written + value.Length - read;
    }

    /// <summary>Whether a binary int8 or numeric holds 13 to 19 integral digits that pass as a card number.</summary>
    private bool NumberLooksLikeCard(ValueKind kind, ReadOnlySpan<byte> value)
    {
        if ((masking.Detectors & SensitiveDataKinds.Card) == 0) return false;
        Span<byte> digits = stackalloc byte[24];
        var count = 0;
        if (kind == ValueKind.Int8)
        {
            if (value.Length != 8) return false;
            var number = BinaryPrimitives.ReadInt64BigEndian(value);
            if (number < 0) number = number == long.MinValue ? 0 : -number;
            if (!Utf8Formatter.TryFormat(number, digits, out count)) return false;
        }
        else
        {
            // numeric: ndigits, weight, sign, dscale, then base-10000 digits; only the integral part matters.
            if (value.Length < 8) return false;
            var groups = BinaryPrimitives.ReadInt16BigEndian(value);
            var weight = BinaryPrimitives.ReadInt16BigEndian(value[2..]);
            if (weight is < 3 or > 4 || value.Length < 8 + groups * 2) return false;
            for (var g = 0; g <= weight; g++)
            {
                var group = g < groups ? BinaryPrimitives.ReadInt16BigEndian(value[(8 + g * 2)..]) : 0;
                if (g == 0)
                {
                    if (!Utf8Formatter.TryFormat(group, digits, out count)) return false;
                    continue;
                }
                if (!Utf8Formatter.TryFormat(group, digits[count..], out var written, new StandardFormat('D', 4))) return false;
                count += written;
            }
        }
        if (count is < 13 or > 19) return false;
        _findings.Clear();
        SensitiveText.Find(digits[..count], SensitiveDataKinds.Card, _findings);
        return _findings.Count > 0;
    }

    public void Dispose() => _formatter.Dispose();

    private void Remember(object statement)
    {
        if (_shapes.TryGetValue(statement, out var known) && known.Length == _columnCount && SameShape(known)) return;
        if (_shapes.Count > 4096) _shapes.Clear();
        _shapes[statement] = _columns.AsSpan(0, _columnCount).ToArray();
    }

    private bool SameShape(ResultColumn[] known)
    {
        for (var i = 0; i < known.Length; i++)
        {
            if (known[i].TableOid != _columns[i].TableOid || known[i].Attribute != _columns[i].Attribute || known[i].TypeOid != _columns[i].TypeOid) return false;
        }
        return true;
    }

    private void Ensure(int count)
    {
        if (_columns.Length < count) _columns = new ResultColumn[Math.Max(count, _columns.Length * 2)];
    }

    private static short FormatOf(short[]? formats, int index) =>
        formats is null || formats.Length == 0 ? (short)0 : formats.Length == 1 ? formats[0] : index < formats.Length ? formats[index] : (short)0;
}
