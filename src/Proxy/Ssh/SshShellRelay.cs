using Renci.SshNet;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// Runs an approved interactive shell on the target (with a terminal when the agent has one) for at most the session limit,
/// relaying keystrokes, output and resizes. The recording keeps all of it, so the session replays as a terminal would show it.
/// </summary>
internal static class SshShellRelay
{
    public static async Task<int> RunAsync(SshCommandSession session, SshUpstream upstream, CancellationToken cancellationToken)
    {
        var hello = session.Hello;
        using var shell = await Task.Run(() => hello.Pty
            // A terminal that reports no size (0x0) gets the customary 80x24 rather than one column.
            ? upstream.Client.CreateShellStream(hello.Term ?? "xterm", (uint)(hello.Columns > 0 ? hello.Columns : 80), (uint)(hello.Rows > 0 ? hello.Rows : 24), 0, 0, 32 * 1024)
            : upstream.Client.CreateShellStreamNoTerminal(32 * 1024), cancellationToken).ConfigureAwait(false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var output = Task.Run(() => SshExecRelay.PumpAsync(shell, ShimFrame.Stdout, session, cancellationToken), CancellationToken.None);
        var input = RelayInputAsync(session, shell, done.Token);
        var timeUp = Task.Delay(session.Options.SessionLimit, done.Token);
        var finished = await Task.WhenAny(output, input, timeUp).ConfigureAwait(false);
        if (finished != output)
        {
            if (finished == timeUp && !cancellationToken.IsCancellationRequested)
            {
                await session.NoticeAsync($"\nTicketGate: the approved session time ({Configuration.DurationText.Format(session.Options.SessionLimit)}) is over; closing\n",
                    cancellationToken).ConfigureAwait(false);
            }
            // The agent left or the time is up: closing the channel ends the shell, and the output pump with it.
            await Task.Run(shell.Close, CancellationToken.None).ConfigureAwait(false);
        }
        await output.ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        // Not awaited: the relay may still wait on a read the hold started, which ends when the shim closes after the exit status.
        SshExecRelay.Forget(input);
        SshExecRelay.Forget(timeUp);
        return 0;
    }

    private static async Task RelayInputAsync(SshCommandSession session, ShellStream shell, CancellationToken cancellationToken)
    {
        var (early, closed) = session.TakeEarlyInput();
        foreach (var data in early) await Task.Run(() => shell.Write(data, 0, data.Length), CancellationToken.None).ConfigureAwait(false);
        if (closed) return;
        try
        {
            while (true)
            {
                var frame = session.TakeFrame(await session.NextFrame(cancellationToken).ConfigureAwait(false));
                if (frame is null) return;
                switch (frame.Value.Kind)
                {
                    case ShimFrame.Stdin:
                        var data = frame.Value.Payload;
                        await Task.Run(() =>
                        {
                            shell.Write(data, 0, data.Length);
                            shell.Flush();
                        }, CancellationToken.None).ConfigureAwait(false);
                        break;
                    case ShimFrame.StdinClosed:
                        return;
                    case ShimFrame.Resize:
                        var (columns, rows) = ShimFrame.ReadSize(frame.Value.Payload);
                        await Task.Run(() => shell.ChangeWindowSize((uint)columns, (uint)rows, 0, 0), CancellationToken.None).ConfigureAwait(false);
                        session.Recorder?.Terminal(new Recording.TerminalNote(null, session.Hello.Term, columns, rows));
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or Renci.SshNet.Common.SshException)
        {
        }
    }
}
