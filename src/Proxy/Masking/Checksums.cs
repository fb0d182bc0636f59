namespace TicketGate.Proxy.Masking;

/// <summary>The check-digit schemes that tell a real card number or IBAN from a run of digits.</summary>
internal static class Checksums
{
    /// <summary>The Luhn check over the digits of <paramref name="text"/> (other bytes are skipped).</summary>
    public static bool Luhn(ReadOnlySpan<byte> text)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = text.Length - 1; i >= 0; i--)
        {
            var c = text[i];
            if (c is < (byte)'0' or > (byte)'9') continue;
            var d = c - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    /// <summary>
    /// The ISO 13616 check of an IBAN given as its alphanumeric characters (no spaces): the country and check digits are moved to the
    /// end, letters become 10..35, and the number must leave 1 modulo 97.
    /// </summary>
    public static bool Iban(ReadOnlySpan<byte> compact)
    {
        var remainder = 0;
        for (var i = 0; i < compact.Length; i++)
        {
            remainder = Add(remainder, compact[(i + 4) % compact.Length]);
            if (remainder < 0) return false;
        }
        return remainder == 1;

        static int Add(int remainder, byte c)
        {
            if (c is >= (byte)'0' and <= (byte)'9') return (remainder * 10 + (c - '0')) % 97;
            if (c is >= (byte)'A' and <= (byte)'Z') return (remainder * 100 + (c - 'A' + 10)) % 97;
            return -1;
        }
    }
}
