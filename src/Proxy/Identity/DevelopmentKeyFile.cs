using System.Text.Json;
using System.Text.Json.Serialization;

namespace TicketGate.Proxy.Identity;

/// <summary><c>&lt;dataDir&gt;/oidc/signing-key.json</c>: the current key and the one it replaced, readable only by the owner.</summary>
internal static class DevelopmentKeyFile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static (DevelopmentSigningKey Current, DevelopmentSigningKey? Previous)? Load(string path)
    {
        if (!File.Exists(path)) return null;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite)) != 0)
        {
            // Someone loosened it (a copy, an umask); a signing key others can read lets them mint tokens.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Contents? contents;
        try
        {
            contents = JsonSerializer.Deserialize<Contents>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a development issuer key file; delete it to start with a new key", ex);
        }
        if (contents?.Current is null) throw new InvalidDataException($"{path} has no current key; delete it to start with a new key");

        var current = DevelopmentSigningKey.FromStored(contents.Current, path);
        var previous = contents.Previous is null ? null : DevelopmentSigningKey.FromStored(contents.Previous, path);
        return (current, previous);
    }

    public static void Save(string path, DevelopmentSigningKey current, DevelopmentSigningKey? previous)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // Written aside and renamed, so a crash never leaves half a key; created 0600 so it is never readable by others.
        var staging = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(staging, options))
            {
                JsonSerializer.Serialize(stream, new Contents(current.ToStored(), previous?.ToStored()), Json);
            }
            File.Move(staging, path, overwrite: true);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    private sealed record Contents(
        [property: JsonPropertyName("current")] DevelopmentSigningKey.StoredKey? Current,
        [property: JsonPropertyName("previous")] DevelopmentSigningKey.StoredKey? Previous);
}
