using System.CommandLine;
using TicketGate.Proxy.Ssh;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate ssh-login`: trades the agent's token for a short-lived SSH certificate and writes the ssh config that uses it.</summary>
internal static class SshLoginCommand
{
    public static Command Create()
    {
        var folder = new Option<string>("--dir") { Description = "Where the key, certificate, known_hosts and ssh config go (default ~/.ssh/ticketgate)" };
        var (dataDir, actAs, token, url) = (CommonOptions.DataDir(), CommonOptions.As(), CommonOptions.Token(), CommonOptions.Url());
        var command = new Command("ssh-login", "Get a short-lived SSH certificate for the bastion and write an ssh config for each target")
        {
            folder, dataDir, actAs, token, url,
        };
        command.SetAction(async (parse, ct) => await CliRun.GuardAsync(async () =>
        {
            var files = new SshClientFiles(parse.GetValue(folder) ?? SshClientFiles.DefaultFolder());
            using var key = files.LoadOrCreateKey();
            using var api = ApiClient.Connect(parse.GetValue(dataDir), parse.GetValue(actAs), parse.GetValue(url), parse.GetValue(token), "agent-7");
            var grant = await api.PostAsync<SshLoginGrant>("api/ssh/certificates", new SshCertificateRequest(key.PublicLine()), ct);
            files.Write(grant);
            Console.WriteLine($"Certificate {grant.KeyId} (serial {grant.Serial}) valid until {grant.ValidBefore.ToLocalTime():HH:mm:ss}, written to {files.CertificateFile}");
            Console.WriteLine($"Targets: {string.Join(", ", grant.Targets)}. Run, for example:");
            Console.WriteLine($"  ssh -F {files.ConfigFile} {(grant.Targets.Count > 0 ? grant.Targets[0] : "TARGET")} 'systemctl status nginx'");
            Console.WriteLine($"(or add `Include {files.ConfigFile}` at the top of ~/.ssh/config and drop -F)");
            return 0;
        }));
        return command;
    }
}
