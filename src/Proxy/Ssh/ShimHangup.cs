using System.Runtime.InteropServices;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// Notices that the agent is gone while the shim waits: sshd sends no signal to a command without a terminal when its client
/// disconnects, it only closes the pipes. The shim's stdout reports POLLERR (pipe) or POLLHUP (terminal) then.
/// </summary>
internal static partial class ShimHangup
{
    private const short PollErr = 0x008;
    private const short PollHup = 0x010;
    private const short PollNval = 0x020;

    /// <summary>Completes when stdout's reader has gone away; checks twice a second on a thread of its own.</summary>
    public static Task WaitAsync(CancellationToken cancellationToken) => Task.Factory.StartNew(() =>
    {
        var fds = new PollFd[] { new() { Fd = 1, Events = 0 } };
        while (!cancellationToken.IsCancellationRequested)
        {
            fds[0].Revents = 0;
            if (Poll(fds, 1, 500) > 0 && (fds[0].Revents & (PollErr | PollHup | PollNval)) != 0) return;
        }
    }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll")]
    private static partial int Poll([In, Out] PollFd[] fds, nuint count, int timeout);
}
