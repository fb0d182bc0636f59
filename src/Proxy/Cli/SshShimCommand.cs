using System.CommandLine;
using TicketGate.Proxy.Ssh;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate ssh-shim`: the bastion sshd's ForceCommand; not for people to run.</summary>
internal static class SshShimCommand
{
    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "TicketGate's SSH socket (the config's ssh.socket)", Required = true };
        var command = new Command("ssh-shim", "The bastion sshd's ForceCommand: hands the session to TicketGate (sshd runs it, not people)") { socket };
        command.Hidden = true;
        command.SetAction(async (parse, ct) => await SshShim.RunAsync(parse.GetRequiredValue(socket), ct));
        return command;
    }
}
