using System.Diagnostics;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// The Unix account agents log in to the bastion as. sshd runs ForceCommand through the account's shell with -c, so the shell is
/// /bin/sh (bash would read ~/.bashrc), and the home directory belongs to root so nothing there can be changed by the account.
/// </summary>
public static class BastionAccount
{
    public const string DefaultHome = "/var/lib/ticketgate/bastion-home";

    /// <summary>The account's uid, from /etc/passwd; null when there is no such account.</summary>
    public static int? UidOf(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 7 && fields[0] == user && int.TryParse(fields[2], out var uid)) return uid;
        }
        return null;
    }

    /// <summary>Creates the account (system user, shell /bin/sh, root-owned home, no password but not locked) when it is missing. Needs root.</summary>
    public static async Task EnsureAsync(string user, string home = DefaultHome, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(home);
        if (UidOf(user) is not null) return;
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException($"the bastion's login account {user} does not exist; as root: useradd --system --shell /bin/sh " +
                $"--home-dir {home} --no-create-home --password '*' {user}");
        }
        // Password "*": no password login, yet not "locked" (sshd refuses locked accounts, "!", when it doesn't use PAM).
        var start = new ProcessStartInfo("useradd") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in (string[])["--system", "--shell", "/bin/sh", "--home-dir", home, "--no-create-home", "--password", "*", user])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run useradd");
        var error = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        // Exit 9: another process created it meanwhile.
        if (process.ExitCode is not (0 or 9)) throw new InvalidOperationException($"useradd {user} failed: {error.Trim()}");
    }
}
