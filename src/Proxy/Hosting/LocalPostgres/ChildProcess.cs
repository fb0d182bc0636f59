using System.Diagnostics;
using System.Text;

namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>What a finished child process left behind.</summary>
internal sealed record ChildProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Both streams, for error messages.</summary>
    public string CombinedOutput =>
        StandardError.Length == 0 ? StandardOutput.Trim()
        : StandardOutput.Length == 0 ? StandardError.Trim()
        : StandardOutput.Trim() + Environment.NewLine + StandardError.Trim();
}

/// <summary>Runs a tool (initdb, pg_ctl, psql, chown…) to completion with a deadline and captured output.</summary>
internal static class ChildProcess
{
    // PG* variables from the caller's shell would silently redirect the tools to another server or data folder.
    private static readonly string[] InheritedVariablesToDrop =
        ["PGDATA", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGPASSWORD", "PGPASSFILE", "PGDATABASE", "PGSERVICE",
         "PGSERVICEFILE", "PGOPTIONS", "PGSSLMODE", "PGCONNECT_TIMEOUT", "PGAPPNAME", "PGTZ", "PGCLIENTENCODING"];

    public static async Task<ChildProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null,
        CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // The server account may not be able to enter the caller's current directory (e.g. /root).
            WorkingDirectory = "/",
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        foreach (var name in InheritedVariablesToDrop) startInfo.Environment.Remove(name);
        startInfo.Environment["LC_MESSAGES"] = "C";
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null) startInfo.Environment.Remove(name);
                else startInfo.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new LocalPostgresException($"Could not start '{fileName}': {e.Message}", e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            if (standardInput is not null) await process.StandardInput.WriteAsync(standardInput).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The tool exited without reading its input; its exit code and output tell the story.
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            cancellationToken.ThrowIfCancellationRequested();
            var partial = await CollectAsync(stdout, stderr).ConfigureAwait(false);
            throw new LocalPostgresException(
                $"'{Describe(fileName, startInfo.ArgumentList)}' did not finish within {timeout.TotalSeconds:0} s and was stopped." +
                (partial.Length > 0 ? Environment.NewLine + partial : ""));
        }

        return new ChildProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public static string Describe(string fileName, IEnumerable<string> arguments) =>
        fileName + " " + string.Join(' ', arguments.Select(a => a.Contains(' ') ? "\"" + a + "\"" : a));

    private static async Task<string> CollectAsync(Task<string> stdout, Task<string> stderr)
    {
        var done = Task.WhenAll(stdout, stderr);
        if (await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false) != done) return "";
        return (stdout.Result + stderr.Result).Trim();
    }
}
