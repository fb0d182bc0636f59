namespace TicketGate.Proxy.Ssh;

/// <summary>
/// Recognises file transfers: sftp (and scp, which speaks SFTP since OpenSSH 9) arrive as the subsystem command "internal-sftp",
/// legacy scp (-O) as "scp -t PATH" or "scp -f PATH". They are refused until TicketGate can inspect what they carry.
/// </summary>
internal static class FileTransfer
{
    public static string? Refusal(string? command)
    {
        if (command is null) return null;
        var trimmed = command.Trim();
        var program = trimmed.Split(' ', 2)[0];
        var isSftp = trimmed == "internal-sftp" || Path.GetFileName(program) == "sftp-server";
        var isScp = Path.GetFileName(program) == "scp" && trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Any(a => a.StartsWith('-') && !a.StartsWith("--", StringComparison.Ordinal) && (a.Contains('t') || a.Contains('f')));
        if (!isSftp && !isScp) return null;
        return "file transfer (scp, sftp) is not available through TicketGate; run a command instead (e.g. ssh TARGET 'cat FILE')";
    }
}
