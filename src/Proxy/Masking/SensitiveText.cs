using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Masking;

/// <summary>
/// The content detectors: find card numbers, IBANs, SSNs, e-mail addresses, phone numbers, cloud keys, JWTs and private-key blocks
/// in UTF-8 text. Each detector starts from a vectorised search for its anchor (a digit, '@', a key prefix), so ordinary values are
/// passed over quickly and nothing is allocated.
/// </summary>
internal static class SensitiveText
{
    private const SensitiveDataKinds Numeric = SensitiveDataKinds.Card | SensitiveDataKinds.Ssn | SensitiveDataKinds.Phone | SensitiveDataKinds.Iban;

    public static void Find(ReadOnlySpan<byte> text, SensitiveDataKinds kinds, Findings found)
    {
        // The shortest thing any detector finds is an address like a@b.co.
        if (text.Length < 6) return;
        if ((kinds & Numeric) != 0) FindNumbers(text, kinds, found);
        if ((kinds & SensitiveDataKinds.Email) != 0) FindEmails(text, found);
        if ((kinds & SensitiveDataKinds.CloudKey) != 0) FindCloudKeys(text, found);
        if ((kinds & SensitiveDataKinds.Jwt) != 0) FindJwts(text, found);
        if ((kinds & SensitiveDataKinds.PrivateKey) != 0) FindPrivateKeys(text, found);
    }

    private static void FindNumbers(ReadOnlySpan<byte> text, SensitiveDataKinds kinds, Findings found)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var next = text[pos..].IndexOfAnyInRange((byte)'0', (byte)'9');
            if (next < 0) return;
            var start = pos + next;
            // A run of digits with single separators between them: "4111 1111 1111 1111", "123-45-6789", "+1-201-555-0100".
            var end = start;
            var digits = 0;
            while (end < text.Length)
            {
                var c = text[end];
                if (IsDigit(c))
                {
                    digits++;
                    end++;
                }
                else if (c is (byte)' ' or (byte)'-' or (byte)'.' && end + 1 < text.Length && IsDigit(text[end + 1]))
                {
                    end++;
                }
                else
                {
                    break;
                }
            }
            var run = text[start..end];
            var bounded = (start == 0 || !IsAlphanumeric(text[start - 1])) && (end == text.Length || !IsAlphanumeric(text[end]));
            if (bounded)
            {
                // Card numbers start with 2 to 6 (the networks' ranges), which spares epoch milliseconds and most long ids.
                if ((kinds & SensitiveDataKinds.Card) != 0 && digits is >= 13 and <= 19 && run[0] is >= (byte)'2' and <= (byte)'6'
                    && !run.Contains((byte)'.') && Checksums.Luhn(run))
                {
                    found.Add(start, run.Length, SensitiveDataKinds.Card);
                }
                else if ((kinds & SensitiveDataKinds.Ssn) != 0 && IsSsn(run))
                {
                    found.Add(start, run.Length, SensitiveDataKinds.Ssn);
                }
                else if ((kinds & SensitiveDataKinds.Phone) != 0 && PhoneStart(text, start, run, digits) is >= 0 and var phoneStart)
                {
                    found.Add(phoneStart, end - phoneStart, SensitiveDataKinds.Phone);
                }
            }
            if ((kinds & SensitiveDataKinds.Iban) != 0 && start >= 2) TryIban(text, start - 2, found);
            pos = end + 1;
        }
    }

    /// <summary>AAA-GG-SSSS, without area 000, 666 or 9xx, group 00 or serial 0000 (never issued).</summary>
    private static bool IsSsn(ReadOnlySpan<byte> run)
    {
        if (run.Length != 11 || run[3] != (byte)'-' || run[6] != (byte)'-') return false;
        for (var i = 0; i < 11; i++)
        {
            if (i is 3 or 6) continue;
            if (!IsDigit(run[i])) return false;
        }
        var area = (run[0] - '0') * 100 + (run[1] - '0') * 10 + (run[2] - '0');
        if (area is 0 or 666 or >= 900) return false;
        if (run[4] == '0' && run[5] == '0') return false;
        return !(run[7] == '0' && run[8] == '0' && run[9] == '0' && run[10] == '0');
    }

    /// <summary>Where a phone number starting around <paramref name="start"/> begins, or -1: +CC… with 8 to 15 digits, (AAA) BBB-CCCC or AAA-BBB-CCCC.</summary>
    private static int PhoneStart(ReadOnlySpan<byte> text, int start, ReadOnlySpan<byte> run, int digits)
    {
        if (start > 0 && text[start - 1] == (byte)'+' && digits is >= 8 and <= 15 && (start == 1 || !IsAlphanumeric(text[start - 2])))
        {
            return start - 1;
        }
        // (201) 555-0100: the run starts after the area code's closing parenthesis and a space.
        if (digits == 7 && run.Length == 8 && run[3] == (byte)'-' && start >= 5 && text[start - 1] is (byte)' ' or (byte)')')
        {
            var close = text[start - 1] == (byte)')' ? start - 1 : start - 2;
            if (close >= 4 && text[close] == (byte)')' && text[close - 4] == (byte)'(' && IsDigit(text[close - 1]) && IsDigit(text[close - 2]) && IsDigit(text[close - 3]))
            {
                return close - 4;
            }
        }
        // 201-555-0100, 201.555.0100, 201 555 0100, with an optional leading 1: groups of 3, 3 and 4 with one kind of separator.
        if (digits is 10 or 11 && run.Length == 2 * digits - 8)
        {
            var offset = digits == 11 ? 2 : 0;
            if (digits == 11 && run[0] != (byte)'1') return -1;
            var separator = run[offset + 3];
            if (IsDigit(separator) || run[offset + 7] != separator || (offset == 2 && run[1] != separator)) return -1;
            return start;
        }
        return -1;
    }

    /// <summary>CCkk followed by 11 to 30 letters and digits, optionally in groups of four, passing the mod-97 check.</summary>
    private static void TryIban(ReadOnlySpan<byte> text, int start, Findings found)
    {
        if (!IsUpper(text[start]) || !IsUpper(text[start + 1]) || (start > 0 && IsAlphanumeric(text[start - 1]))) return;
        Span<byte> compact = stackalloc byte[34];
        var count = 0;
        var pos = start;
        var bestEnd = -1;
        while (pos < text.Length && count < 34)
        {
            var c = text[pos];
            if (IsDigit(c) || IsUpper(c))
            {
                if (count is 2 or 3 && !IsDigit(c)) return;
                compact[count++] = c;
                pos++;
                if (count >= 15 && (pos == text.Length || !IsAlphanumeric(text[pos])) && Checksums.Iban(compact[..count])) bestEnd = pos;
                continue;
            }
            // Groups of four separated by single spaces.
            if (c == (byte)' ' && count % 4 == 0 && pos + 1 < text.Length && IsAlphanumeric(text[pos + 1]))
            {
                pos++;
                continue;
            }
            break;
        }
        if (bestEnd > 0) found.Add(start, bestEnd - start, SensitiveDataKinds.Iban);
    }

    private static void FindEmails(ReadOnlySpan<byte> text, Findings found)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var at = text[pos..].IndexOf((byte)'@');
            if (at < 0) return;
            at += pos;
            pos = at + 1;
            var left = at;
            while (left > 0 && IsLocalPart(text[left - 1])) left--;
            while (left < at && text[left] == (byte)'.') left++;
            if (left == at) continue;
            var right = at + 1;
            var lastDot = -1;
            while (right < text.Length && (IsAlphanumeric(text[right]) || text[right] is (byte)'-' or (byte)'.'))
            {
                if (text[right] == (byte)'.') lastDot = right;
                right++;
            }
            while (right > at + 1 && text[right - 1] is (byte)'.' or (byte)'-')
            {
                right--;
                if (lastDot >= right) lastDot = text[..right].LastIndexOf((byte)'.');
            }
            if (lastDot <= at + 1 || right - lastDot - 1 < 2) continue;
            var tldLetters = true;
            for (var i = lastDot + 1; i < right; i++) tldLetters &= IsLetter(text[i]);
            if (!tldLetters) continue;
            found.Add(left, right - left, SensitiveDataKinds.Email);
            pos = right;
        }
    }

    private static void FindCloudKeys(ReadOnlySpan<byte> text, Findings found)
    {
        // AWS access key ids.
        FindPrefixed(text, "AKIA"u8, 16, static c => IsUpper(c) || IsDigit(c), found);
        FindPrefixed(text, "ASIA"u8, 16, static c => IsUpper(c) || IsDigit(c), found);
        // Google API keys.
        FindPrefixed(text, "AIza"u8, 35, static c => IsAlphanumeric(c) || c is (byte)'_' or (byte)'-', found);
        // GitHub personal access tokens.
        FindPrefixed(text, "ghp_"u8, 36, IsAlphanumeric, found);
        // Azure storage and service bus connection strings: the key after AccountKey= / SharedAccessKey=.
        FindKeyValue(text, "AccountKey="u8, found);
        FindKeyValue(text, "SharedAccessKey="u8, found);
        FindAzureClientSecrets(text, found);
    }

    private static void FindPrefixed(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix, int bodyLength, Func<byte, bool> isBody, Findings found)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOf(prefix);
            if (hit < 0) return;
            var start = pos + hit;
            pos = start + prefix.Length;
            if (start > 0 && IsAlphanumeric(text[start - 1])) continue;
            var end = pos;
            while (end < text.Length && end - pos < bodyLength && isBody(text[end])) end++;
            if (end - pos != bodyLength || (end < text.Length && isBody(text[end]))) continue;
            found.Add(start, end - start, SensitiveDataKinds.CloudKey);
            pos = end;
        }
    }

    private static void FindKeyValue(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key, Findings found)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOf(key);
            if (hit < 0) return;
            var start = pos + hit + key.Length;
            var end = start;
            while (end < text.Length && (IsAlphanumeric(text[end]) || text[end] is (byte)'+' or (byte)'/' or (byte)'=')) end++;
            if (end - start >= 20) found.Add(start, end - start, SensitiveDataKinds.CloudKey);
            pos = Math.Max(end, start);
        }
    }

    /// <summary>Microsoft Entra client secrets: three characters, a digit, "Q~", then 31 to 34 characters.</summary>
    private static void FindAzureClientSecrets(ReadOnlySpan<byte> text, Findings found)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOf("Q~"u8);
            if (hit < 0) return;
            var marker = pos + hit;
            pos = marker + 2;
            var start = marker - 4;
            if (start < 0 || !IsDigit(text[marker - 1]) || (start > 0 && IsSecretChar(text[start - 1]))) continue;
            if (!IsSecretChar(text[start]) || !IsSecretChar(text[start + 1]) || !IsSecretChar(text[start + 2])) continue;
            var end = pos;
            while (end < text.Length && IsSecretChar(text[end])) end++;
            if (end - pos is >= 31 and <= 34) found.Add(start, end - start, SensitiveDataKinds.CloudKey);
        }

        static bool IsSecretChar(byte c) => IsAlphanumeric(c) || c is (byte)'_' or (byte)'~' or (byte)'.' or (byte)'-';
    }

    /// <summary>header.payload.signature, base64url, with the header and payload JSON objects (so both start "eyJ").</summary>
    private static void FindJwts(ReadOnlySpan<byte> text, Findings found)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOf("eyJ"u8);
            if (hit < 0) return;
            var start = pos + hit;
            pos = start + 3;
            if (start > 0 && IsBase64Url(text[start - 1])) continue;
            var headerEnd = SkipBase64Url(text, start);
            if (headerEnd - start < 10 || headerEnd >= text.Length || text[headerEnd] != (byte)'.') continue;
            var payloadStart = headerEnd + 1;
            if (!text[payloadStart..].StartsWith("eyJ"u8)) continue;
            var payloadEnd = SkipBase64Url(text, payloadStart);
            if (payloadEnd - payloadStart < 10 || payloadEnd >= text.Length || text[payloadEnd] != (byte)'.') continue;
            var end = SkipBase64Url(text, payloadEnd + 1);
            found.Add(start, end - start, SensitiveDataKinds.Jwt);
            pos = end;
        }

        static int SkipBase64Url(ReadOnlySpan<byte> text, int pos)
        {
            while (pos < text.Length && IsBase64Url(text[pos])) pos++;
            return pos;
        }
    }

    /// <summary>From "-----BEGIN … PRIVATE KEY-----" through the matching END line (or the end of the value when it is cut).</summary>
    private static void FindPrivateKeys(ReadOnlySpan<byte> text, Findings found)
    {
        var pos = 0;
        while (pos < text.Length)
        {
            var hit = text[pos..].IndexOf("-----BEGIN "u8);
            if (hit < 0) return;
            var start = pos + hit;
            pos = start + 11;
            var headerClose = text[pos..].IndexOf("-----"u8);
            if (headerClose < 0 || headerClose > 60 || !text.Slice(pos, headerClose).EndsWith("PRIVATE KEY"u8) && !text.Slice(pos, headerClose).EndsWith("PRIVATE KEY BLOCK"u8)) continue;
            var bodyStart = pos + headerClose + 5;
            var endMarker = text[bodyStart..].IndexOf("-----END "u8);
            int end;
            if (endMarker < 0)
            {
                end = text.Length;
            }
            else
            {
                var afterEnd = bodyStart + endMarker + 9;
                var close = text[afterEnd..].IndexOf("-----"u8);
                end = close < 0 ? text.Length : afterEnd + close + 5;
            }
            found.Add(start, end - start, SensitiveDataKinds.PrivateKey);
            pos = end;
        }
    }

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';
    private static bool IsUpper(byte c) => c is >= (byte)'A' and <= (byte)'Z';
    private static bool IsLetter(byte c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';
    private static bool IsAlphanumeric(byte c) => IsDigit(c) || IsLetter(c);
    private static bool IsBase64Url(byte c) => IsAlphanumeric(c) || c is (byte)'_' or (byte)'-';
    private static bool IsLocalPart(byte c) => IsAlphanumeric(c) || c is (byte)'.' or (byte)'_' or (byte)'%' or (byte)'+' or (byte)'-';
}
