using System.Diagnostics;
using System.Text;

namespace TicketGate.Tests.Kubernetes;

/// <summary>A long-running kubectl (watch, logs -f, a held delete): its output as it comes, and waits on it.</summary>
internal sealed class KubectlProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();

    public KubectlProcess(string kubectl, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, bool keepInputOpen = false)
    {
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.Start();
        if (!keepInputOpen) _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string StandardOutput
    {
        get { lock (_lock) return _stdout.ToString(); }
    }

    public string StandardError
    {
        get { lock (_lock) return _stderr.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Types a line into kubectl's stdin (started with keepInputOpen).</summary>
    public async Task TypeAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits until stdout contains <paramref name="text"/>; fails with what kubectl printed if it doesn't in time.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!StandardOutput.Contains(text, StringComparison.Ordinal))
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(20)))
            {
                throw new TimeoutException($"kubectl did not print \"{text}\"; stdout: {StandardOutput}; stderr: {StandardError}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for kubectl to exit and returns its exit code.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"kubectl did not finish; stdout: {StandardOutput}; stderr: {StandardError}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null) return;
        lock (_lock) target.Append(line).Append('\n');
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
