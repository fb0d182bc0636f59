using System.Text;

namespace TicketGate.Proxy.Postgres.Messages;

/// <summary>Reads the fields of an ErrorResponse or NoticeResponse body.</summary>
internal static class ErrorFields
{
    public static string? Get(ReadOnlySpan<byte> body, byte field)
    {
        var pos = 0;
        while (pos < body.Length && body[pos] != 0)
        {
            var type = body[pos];
            var end = body[(pos + 1)..].IndexOf((byte)0);
            if (end < 0) return null;
            if (type == field) return Encoding.UTF8.GetString(body.Slice(pos + 1, end));
            pos += end + 2;
        }
        return null;
    }

    /// <summary>"SEVERITY: message (SQLSTATE)" for logs and wrapped errors.</summary>
    public static string Describe(ReadOnlySpan<byte> body)
        => $"{Get(body, (byte)'S') ?? "ERROR"}: {Get(body, (byte)'M')} (SQLSTATE {Get(body, (byte)'C')})";
}
