using Renci.SshNet;

namespace TicketGate.Proxy.Ssh;

/// <summary>Runs one approved command on the target (an exec channel) and relays stdin, stdout, stderr and the exit status.</summary>
internal static class SshExecRelay
{
    public static async Task<int> RunAsync(SshCommandSession session, SshUpstream upstream, string command, CancellationToken cancellationToken)
    {
        using var remote = upstream.Client.CreateCommand(command);
        remote.CommandTimeout = Timeout.InfiniteTimeSpan;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // ExecuteAsync opens the channel synchronously (it waits for the target's confirmation): that part runs on the pool.
        var execution = await Task.Factory.StartNew(() => remote.ExecuteAsync(stop.Token), CancellationToken.None,
            TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).ConfigureAwait(false);
        var stdin = remote.CreateInputStream();
        // SSH.NET's streams block on Read: each pump has a pool thread of its own, never the caller's.
        var stdout = Task.Run(() => PumpAsync(remote.OutputStream, ShimFrame.Stdout, session, cancellationToken), CancellationToken.None);
        var stderr = Task.Run(() => PumpAsync(remote.ExtendedOutputStream, ShimFrame.Stderr, session, cancellationToken), CancellationToken.None);
        var input = RelayInputAsync(session, stdin, stop.Token);

        var finished = await Task.WhenAny(execution, input).ConfigureAwait(false);
        if (finished == input && await input.ConfigureAwait(false) is false)
        {
            // The agent left: stop the remote command rather than let it run unobserved.
            await stop.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await execution.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        // Not awaited: the relay may still wait on a read the hold started, which ends when the shim closes after the exit status.
        Forget(input);
        try
        {
            await stdin.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or Renci.SshNet.Common.SshException)
        {
        }
        return remote.ExitStatus ?? (remote.ExitSignal is not null ? 128 + SignalNumber(remote.ExitSignal) : 255);
    }

    /// <summary>Copies the shim's input to the command until the shim closes it (true) or goes away (false).</summary>
    private static async Task<bool> RelayInputAsync(SshCommandSession session, Stream stdin, CancellationToken cancellationToken)
    {
        var (early, closed) = session.TakeEarlyInput();
        foreach (var data in early) await WriteAsync(stdin, data).ConfigureAwait(false);
        if (closed)
        {
            await stdin.DisposeAsync().ConfigureAwait(false);
            return true;
        }
        try
        {
            while (true)
            {
                var frame = session.TakeFrame(await session.NextFrame(cancellationToken).ConfigureAwait(false));
                if (frame is null) return false;
                if (frame.Value.Kind == ShimFrame.Stdin) await WriteAsync(stdin, frame.Value.Payload).ConfigureAwait(false);
                else if (frame.Value.Kind == ShimFrame.StdinClosed)
                {
                    await stdin.DisposeAsync().ConfigureAwait(false);
                    // The command runs on; wait for it without reading further (the shim sends nothing more).
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or Renci.SshNet.Common.SshException)
        {
            return !cancellationToken.IsCancellationRequested;
        }
    }

    /// <summary>Lets a relay task finish on its own; whatever it throws then is of no interest.</summary>
    internal static void Forget(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private static Task WriteAsync(Stream stdin, byte[] data) => Task.Run(() =>
    {
        stdin.Write(data, 0, data.Length);
        stdin.Flush();
    });

    internal static async Task PumpAsync(Stream source, byte kind, SshCommandSession session, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            await session.SendAsync(kind, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }

    private static int SignalNumber(string signal) => signal switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "KILL" => 9,
        "SEGV" => 11,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    };
}
