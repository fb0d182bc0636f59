using System.Security.Cryptography;

namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>A generated password kept in a file only its owner can read (0600), created once and reused afterwards.</summary>
internal static class SecretFile
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    /// <summary>The secret in <paramref name="path"/>; a new one is generated and written when the file does not exist.</summary>
    public static (string Secret, bool Created) ReadOrCreate(string path)
    {
        var existing = TryRead(path);
        if (existing is not null) return (existing, false);

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        UnixFiles.CreateDirectory(directory, UnixFiles.OwnerOnlyDirectory);
        var secret = RandomNumberGenerator.GetString(Alphabet, 32);
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        if (File.Exists(temporary)) File.Delete(temporary);
        UnixFiles.WriteNewOwnerOnly(temporary, secret + "\n");
        try
        {
            // Renaming without overwrite lets the first of two racing writers win; the loser adopts its secret.
            File.Move(temporary, path, overwrite: false);
            return (secret, true);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return (TryRead(path) ?? throw new LocalPostgresException($"The secret file '{path}' is empty; delete it to generate a new one."), false);
        }
    }

    public static string? TryRead(string path)
    {
        if (!File.Exists(path)) return null;
        var secret = File.ReadAllText(path).Trim();
        return secret.Length == 0 ? null : secret;
    }
}
