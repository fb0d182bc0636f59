using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Demo;
using TicketGate.Proxy.Hosting;
using TicketGate.Proxy.Hosting.LocalPostgres;

namespace TicketGate.Proxy.Cli;

/// <summary>`ticketgate demo`: the whole gateway on this machine with a local PostgreSQL, a shop database and a stand-in for Okta.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var pgPort = new Option<int>("--pg-port") { Description = "The PostgreSQL listener's port", DefaultValueFactory = _ => DemoFolder.DefaultPostgresPort };
        var httpPort = new Option<int>("--http-port") { Description = "The HTTP port (API, issuer)", DefaultValueFactory = _ => DemoFolder.DefaultHttpPort };
        var binDir = new Option<string>("--pg-bin-dir") { Description = "Folder with PostgreSQL's initdb, pg_ctl and postgres (found automatically when not given)" };
        var (kubeServer, kubeCa, kubeToken) = (new Option<string>("--kube-server") { Description = "A real Kubernetes API server to add as cluster demo-k8s (https URL)" },
            new Option<string>("--kube-ca") { Description = "The CA file of --kube-server's certificate" },
            new Option<string>("--kube-token-file") { Description = "A service-account token TicketGate uses towards --kube-server (needs impersonate; see README)" });
        var sshPort = new Option<int>("--ssh-port") { Description = "The SSH bastion's port (the demo's target sshd takes the next one)", DefaultValueFactory = _ => DemoSsh.DefaultBastionPort };
        var command = new Command("demo", "Run TicketGate with a self-managed local PostgreSQL, the demo `shop` database and a development OIDC issuer")
        {
            dataDir, pgPort, httpPort, binDir, kubeServer, kubeCa, kubeToken, sshPort,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var (kubernetes, problem) = DemoKubernetes.From(parse.GetValue(kubeServer), parse.GetValue(kubeCa), parse.GetValue(kubeToken));
            if (problem is not null)
            {
                Console.Error.WriteLine("ticketgate: " + problem);
                return Task.FromResult(1);
            }
            return RunAsync(new DemoFolder(parse.GetValue(dataDir) ?? DemoFolder.DefaultPath()), parse.GetValue(pgPort), parse.GetValue(httpPort),
                parse.GetValue(binDir), parse.GetValue(sshPort), cancellationToken, kubernetes);
        });
        return command;
    }

    private static async Task<int> RunAsync(DemoFolder folder, int postgresPort, int httpPort, string? binDirectory, int sshPort, CancellationToken cancellationToken,
        DemoKubernetes? kubernetes = null)
    {
        if (folder.ReadRunningRuntime() is { } running)
        {
            await Console.Error.WriteLineAsync($"ticketgate: a demo is already running from {folder.Path} (process {running.ProcessId}, {running.HttpUrl})");
            return 1;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Information));
        var logger = loggerFactory.CreateLogger("TicketGate.Demo");
        DemoEnvironment environment;
        try
        {
            Console.WriteLine($"Starting the demo in {folder.Path} …");
            environment = await DemoEnvironment.StartAsync(folder, postgresPort, httpPort, binDirectory, logger, cancellationToken);
        }
        catch (Exception e) when (e is PostgresBinariesNotFoundException or LocalPostgresException)
        {
            await Console.Error.WriteLineAsync("ticketgate: " + e.Message);
            return 1;
        }

        await using (environment)
        {
            var (ssh, noSsh) = await DemoSsh.TryStartAsync(folder, sshPort, logger, cancellationToken);
            await using var sshTarget = ssh;
            WebApplication app;
            try
            {
                app = GatewayHost.Build((kubernetes?.AddTo(environment.Options, environment.CaCertificate) ?? environment.Options) with { Ssh = ssh?.Options },
                    environment.Issuer);
            }
            catch (DllNotFoundException e)
            {
                await Console.Error.WriteLineAsync("ticketgate: " + e.Message);
                return 1;
            }
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"ticketgate: could not listen: {e.Message} (choose other ports with --pg-port/--http-port)");
                return 1;
            }
            folder.WriteRuntime(new DemoRuntime(Environment.ProcessId, RequestLinks.BaseUrl(environment.Options), postgresPort,
                environment.Issuer.Issuer, DemoFolder.Audience, environment.CaCertificate));
            try
            {
                PrintWelcome(environment, folder, postgresPort, ssh, noSsh);
                if (kubernetes is not null) PrintKubernetes(kubernetes.AddTo(environment.Options, environment.CaCertificate), folder, environment.Issuer.Issuer);
                await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                Console.WriteLine("Stopping …");
                await app.StopAsync(CancellationToken.None);
            }
            finally
            {
                folder.DeleteRuntime();
                await app.DisposeAsync();
            }
        }
        Console.WriteLine("Stopped; the data folder is kept for the next start.");
        return 0;
    }

    private static void PrintKubernetes(TicketGateOptions options, DemoFolder folder, string issuer)
    {
        var self = Path.GetFullPath(Environment.GetEnvironmentVariable("TICKETGATE_SELF") ?? Environment.ProcessPath ?? "ticketgate");
        var kubeconfig = DemoKubernetes.WriteKubeconfig(options, folder, self, issuer);
        Console.WriteLine($"""
            Kubernetes: cluster {DemoKubernetes.ClusterName} on https://127.0.0.1:{DemoKubernetes.Port} (in front of {options.Kubernetes.Clusters[DemoKubernetes.ClusterName].Server})

              KUBECONFIG={kubeconfig} kubectl get pods          # passes
              KUBECONFIG={kubeconfig} kubectl delete pod NAME   # held until approved as above

            """);
    }

    private static void PrintWelcome(DemoEnvironment environment, DemoFolder folder, int postgresPort, DemoSsh? ssh, string? noSsh)
    {
        var self = Environment.GetEnvironmentVariable("TICKETGATE_SELF") ?? "./ticketgate";
        var dataDirFlag = folder.Path == System.IO.Path.GetFullPath(DemoFolder.DefaultPath()) ? "" : $" --data-dir {folder.Path}";
        Console.WriteLine($"""

            TicketGate demo is running. Ctrl-C stops it (and its PostgreSQL).

              PostgreSQL listener  127.0.0.1:{postgresPort}  (TLS; connection "shop")
              HTTP                 {RequestLinks.BaseUrl(environment.Options)}  (API, request pages, OIDC issuer {environment.Issuer.Issuer})
              Workflow designer    {RequestLinks.BaseUrl(environment.Options)}/studio  (Elsa Studio; sign in as dana, an admin)

            Connect as the agent (its token is the password):

              PGPASSWORD=$({self} token --sub agent-7 --groups agents{dataDirFlag}) psql "host=127.0.0.1 port={postgresPort} dbname=shop user=agent-7 sslmode=verify-full sslrootcert={environment.CaCertificate}"

            Reads pass; try  DELETE FROM orders WHERE id = 1;  — it is held. From another terminal:

              {self} requests list{dataDirFlag}
              {self} requests approve <id> --as alice{dataDirFlag}
              {self} requests reject <id> --as bob --reason "not today"{dataDirFlag}
              {self} audit tail{dataDirFlag}

            """);
        Console.WriteLine(ssh?.Welcome(self, dataDirFlag) ?? $"SSH: not started: {noSsh}.\n");
    }
}
