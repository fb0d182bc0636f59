using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Hosting.LocalPostgres;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Postgres.Tls;

namespace TicketGate.Proxy.Demo;

/// <summary>
/// Everything `ticketgate demo` needs besides the gateway itself: a local PostgreSQL cluster holding TicketGate's state and the
/// `shop` database, a TLS certificate, and the development issuer standing in for Okta.
/// </summary>
public sealed class DemoEnvironment : IAsyncDisposable
{
    public const string StateDatabaseName = "ticketgate";
    public const string ShopConnection = "shop";

    private DemoEnvironment(DemoFolder folder, LocalPostgresCluster cluster, ShopUpstream shop, DevelopmentIssuer issuer,
        (string Ca, string Certificate, string Key) tls, TicketGateOptions options)
    {
        Folder = folder;
        Cluster = cluster;
        Shop = shop;
        Issuer = issuer;
        CaCertificate = tls.Ca;
        Options = options;
    }

    public DemoFolder Folder { get; }
    public LocalPostgresCluster Cluster { get; }
    public ShopUpstream Shop { get; }
    public DevelopmentIssuer Issuer { get; }
    public string CaCertificate { get; }
    public TicketGateOptions Options { get; }

    public static async Task<DemoEnvironment> StartAsync(DemoFolder folder, int postgresPort, int httpPort, string? postgresBinDirectory, ILogger logger,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder.Path);
        var cluster = new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = folder.ClusterHome, BinDirectory = postgresBinDirectory, Logger = logger });
        try
        {
            await cluster.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            await cluster.StartAsync(0, cancellationToken).ConfigureAwait(false);
            await cluster.CreateDatabaseAsync(StateDatabaseName, cancellationToken: cancellationToken).ConfigureAwait(false);
            var shop = await ShopDatabase.EnsureCreatedAsync(cluster, cancellationToken).ConfigureAwait(false);
            var tls = ListenerCertificate.EnsureDemoCertificate(folder.TlsDirectory);
            var httpUrl = $"http://127.0.0.1:{httpPort}";
            var issuer = new DevelopmentIssuer(folder.Path, DevelopmentIssuer.IssuerUrlFor(httpUrl));
            var maskingKey = System.IO.Path.Combine(folder.Path, "secrets", "masking.key");
            SecretFile.ReadOrCreate(maskingKey);
            var options = Configure(cluster, shop, issuer, tls, postgresPort, httpPort, maskingKey);
            return new DemoEnvironment(folder, cluster, shop, issuer, tls, options);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static TicketGateOptions Configure(LocalPostgresCluster cluster, ShopUpstream shop, DevelopmentIssuer issuer,
        (string Ca, string Certificate, string Key) tls, int postgresPort, int httpPort, string maskingKey) => new()
    {
        Oidc = new OidcOptions { Authority = issuer.Issuer, Audience = DemoFolder.Audience, RequireHttpsMetadata = false },
        Postgres = new PostgresListenerOptions { Address = "127.0.0.1", Port = postgresPort, CertificateFile = tls.Certificate, KeyFile = tls.Key },
        Http = new HttpListenerOptions { Address = "127.0.0.1", Port = httpPort },
        StateDatabase = new StateDatabaseOptions { ConnectionString = cluster.ConnectionString(StateDatabaseName, pooling: true) },
        Connections = new Dictionary<string, ConnectionDefinition>
        {
            [ShopConnection] = new()
            {
                Name = ShopConnection,
                Host = shop.Host,
                Port = shop.Port,
                Database = shop.Database,
                User = shop.Role,
                Password = SecretReference.FromFile(shop.PasswordFile),
                Tags = new Dictionary<string, string> { ["env"] = "demo" },
                ApproverGroups = [DemoDirectory.DbaGroup],
                SslMode = "disable",
                Masking = ShopMasking,
            },
        },
        Policy = DefaultPolicy.Definition,
        PolicySource = DefaultPolicy.SourceName,
        MaskingKey = SecretReference.FromFile(maskingKey),
    };

    /// <summary>
    /// What the demo hides from agents: card numbers show their last four digits, e-mail addresses become stable hashes (so agents
    /// can still join and count by them), national ids are hidden whole, and every detector watches all other values.
    /// </summary>
    public static MaskingDefinition ShopMasking { get; } = new()
    {
        Columns =
        [
            new ColumnMask("public", "customers", "card_number", MaskStyle.LastFour),
            new ColumnMask("public", "customers", "email", MaskStyle.Hash),
            new ColumnMask("public", "customers", "national_id", MaskStyle.Full),
            new ColumnMask("public", "payments", "card_number", MaskStyle.LastFour),
        ],
        Detectors = SensitiveDataKinds.All,
        Style = MaskStyle.Full,
    };

    public async ValueTask DisposeAsync()
    {
        Issuer.Dispose();
        await Cluster.DisposeAsync().ConfigureAwait(false);
    }
}
