using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// The bastion's ForceCommand (`ticketgate ssh-shim`), run by sshd as the unprivileged login account, holding no secrets: it passes
/// what sshd tells it (command, target, connection, the certificate it accepted, the terminal) to TicketGate over the Unix socket,
/// prints TicketGate's notices on stderr, and once the command may run relays stdin, stdout, stderr and the exit status.
/// </summary>
public static class SshShim
{
    private const int Unreachable = 255;

    public static async Task<int> RunAsync(string socketPath, CancellationToken cancellationToken)
    {
        // The standard descriptors as plain files: .NET's Console streams would read a terminal line by line and echo it themselves.
        using var stderr = Descriptor(2, FileAccess.Write);
        var hello = ReadEnvironment();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            await WriteLineAsync(stderr, $"TicketGate: the gateway is not reachable ({socketPath}: {e.Message}); try again later").ConfigureAwait(false);
            return Unreachable;
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var writeLock = new SemaphoreSlim(1, 1);
        async Task SendAsync(byte kind, ReadOnlyMemory<byte> payload)
        {
            await writeLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await ShimFrame.WriteAsync(stream, kind, payload, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }

        await SendAsync(ShimFrame.Hello, JsonSerializer.SerializeToUtf8Bytes(hello, ShimHello.Json)).ConfigureAwait(false);
        // When the agent disconnects, closing the socket tells TicketGate: a held command is withdrawn, a running one stopped.
        using var finished = new CancellationTokenSource();
        _ = ShimHangup.WaitAsync(finished.Token).ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) socket.Close();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        using var stdout = Descriptor(1, FileAccess.Write);
        TerminalMode? raw = null;
        PosixSignalRegistration? resize = null;
        try
        {
            while (true)
            {
                (byte Kind, byte[] Payload)? frame;
                try
                {
                    frame = await ShimFrame.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
                {
                    frame = null;
                }
                if (frame is null)
                {
                    raw?.Dispose();
                    raw = null;
                    await WriteLineAsync(stderr, "TicketGate: the connection to the gateway was lost").ConfigureAwait(false);
                    return Unreachable;
                }
                var (kind, payload) = frame.Value;
                switch (kind)
                {
                    case ShimFrame.Notice or ShimFrame.Stderr:
                        await stderr.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
                        await stderr.FlushAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case ShimFrame.Stdout:
                        await stdout.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
                        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case ShimFrame.Start:
                        if (hello.Pty && !OperatingSystem.IsWindows())
                        {
                            raw = TerminalMode.EnterRaw();
                            resize = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
                            {
                                context.Cancel = true;
                                var (columns, rows) = TerminalMode.Size();
                                _ = SendAsync(ShimFrame.Resize, ShimFrame.Size(columns, rows));
                            });
                        }
                        _ = Task.Run(() => PumpStdinAsync(SendAsync), CancellationToken.None);
                        break;
                    case ShimFrame.Exit:
                        return payload.Length >= 4 ? System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(payload) : Unreachable;
                }
            }
        }
        finally
        {
            await finished.CancelAsync().ConfigureAwait(false);
            resize?.Dispose();
            raw?.Dispose();
        }
    }

    private static async Task PumpStdinAsync(Func<byte, ReadOnlyMemory<byte>, Task> send)
    {
        using var stdin = Descriptor(0, FileAccess.Read);
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = stdin.Read(buffer, 0, buffer.Length)) > 0) await send(ShimFrame.Stdin, buffer.AsMemory(0, read).ToArray()).ConfigureAwait(false);
            await send(ShimFrame.StdinClosed, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The socket closed after the exit status: nothing more to send.
        }
    }

    private static FileStream Descriptor(int fd, FileAccess access) =>
        new(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);

    private static ShimHello ReadEnvironment()
    {
        var authFile = Environment.GetEnvironmentVariable("SSH_USER_AUTH");
        string? userAuth = null;
        if (authFile is not null)
        {
            try
            {
                userAuth = File.ReadAllText(authFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                userAuth = null;
            }
        }
        var pty = Environment.GetEnvironmentVariable("SSH_TTY") is not null;
        var (columns, rows) = pty ? TerminalMode.Size() : (0, 0);
        return new ShimHello
        {
            Command = Environment.GetEnvironmentVariable("SSH_ORIGINAL_COMMAND"),
            Target = Environment.GetEnvironmentVariable("TG_TARGET"),
            Connection = Environment.GetEnvironmentVariable("SSH_CONNECTION"),
            UserAuth = userAuth,
            Pty = pty,
            Term = pty ? Environment.GetEnvironmentVariable("TERM") : null,
            Columns = columns,
            Rows = rows,
        };
    }

    private static async Task WriteLineAsync(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text + "\n")).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }
}
