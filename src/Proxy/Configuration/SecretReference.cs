namespace TicketGate.Proxy.Configuration;

/// <summary>
/// Where a secret lives: an environment variable or a file. The value is read on use, never stored in options or logged;
/// <see cref="ToString"/> and every error name the reference, never the value.
/// </summary>
public sealed class SecretReference
{
    public string? Environment { get; init; }
    /// <summary>An absolute path (the loader resolves relative paths against the config file's folder).</summary>
    public string? File { get; init; }

    public static SecretReference FromEnvironment(string variable) => new() { Environment = variable };
    public static SecretReference FromFile(string path) => new() { File = path };

    /// <summary>
    /// Reads the secret now. A single trailing newline is dropped, since files written by editors and
    /// `echo` end with one that is never part of the password.
    /// </summary>
    /// <exception cref="SecretUnavailableException">The variable is unset or empty, or the file can't be read or is empty.</exception>
    public string Read()
    {
        string? value;
        if (Environment is not null && File is null)
        {
            value = System.Environment.GetEnvironmentVariable(Environment);
            if (value is null)
            {
                throw new SecretUnavailableException(this, $"the environment variable {Environment} is not set; set it in TicketGate's environment");
            }
        }
        else if (File is not null && Environment is null)
        {
            try
            {
                value = System.IO.File.ReadAllText(File);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The exception's own message names only the path, never content.
                throw new SecretUnavailableException(this, $"the file can't be read ({e.Message})");
            }
        }
        else
        {
            throw new SecretUnavailableException(this, "a secret reference needs exactly one of env or file");
        }

        value = TrimOneNewline(value);
        if (value.Length == 0)
        {
            throw new SecretUnavailableException(this, "the secret is empty");
        }
        return value;
    }

    /// <summary>Why <see cref="Read"/> would fail now, or null when it would succeed; the value is read and dropped.</summary>
    public string? Problem()
    {
        try
        {
            Read();
            return null;
        }
        catch (SecretUnavailableException e)
        {
            return e.Reason;
        }
    }

    public override string ToString() => (Environment, File) switch
    {
        (not null, null) => $"env:{Environment}",
        (null, not null) => $"file:{File}",
        _ => "invalid secret reference",
    };

    private static string TrimOneNewline(string value)
    {
        if (value.EndsWith("\r\n", StringComparison.Ordinal)) return value[..^2];
        if (value.EndsWith('\n')) return value[..^1];
        return value;
    }
}

/// <summary>A secret could not be read. The message names the reference (env:NAME or file:PATH) and never holds the value.</summary>
public sealed class SecretUnavailableException(SecretReference reference, string reason)
    : Exception($"Secret {reference} is unavailable: {reason}.")
{
    public SecretReference Reference { get; } = reference;
    public string Reason { get; } = reason;
}
