using System.Runtime.InteropServices;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// The shim's terminal (file descriptor 0 when sshd gave the session a PTY): its size, and raw mode while a shell is relayed, so
/// keystrokes (Ctrl-C, arrows, tab) reach the target's shell instead of being handled by the bastion's line discipline.
/// </summary>
internal sealed partial class TerminalMode : IDisposable
{
    private const int StandardInput = 0;
    private const int TcsaNow = 0;
    private const ulong Tiocgwinsz = 0x5413;
    // struct termios is 60 bytes on Linux (glibc); the buffer leaves room.
    private const int TermiosSize = 128;

    private readonly byte[] _saved;

    private TerminalMode(byte[] saved) => _saved = saved;

    /// <summary>Puts the terminal in raw mode; null when stdin is no terminal. Dispose restores it.</summary>
    public static TerminalMode? EnterRaw()
    {
        var saved = new byte[TermiosSize];
        if (TcGetAttr(StandardInput, saved) != 0) return null;
        var raw = (byte[])saved.Clone();
        CfMakeRaw(raw);
        return TcSetAttr(StandardInput, TcsaNow, raw) == 0 ? new TerminalMode(saved) : null;
    }

    /// <summary>The terminal's columns and rows; (0, 0) when stdin is no terminal.</summary>
    public static (int Columns, int Rows) Size()
    {
        var size = new ushort[4];
        return Ioctl(StandardInput, Tiocgwinsz, size) == 0 ? (size[1], size[0]) : (0, 0);
    }

    public void Dispose() => _ = TcSetAttr(StandardInput, TcsaNow, _saved);

    [LibraryImport("libc", EntryPoint = "tcgetattr")]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr")]
    private static partial int TcSetAttr(int fd, int optionalActions, byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw([In, Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "ioctl")]
    private static partial int Ioctl(int fd, ulong request, [Out] ushort[] winsize);
}
