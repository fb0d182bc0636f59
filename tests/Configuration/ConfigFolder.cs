namespace TicketGate.Tests.Configuration;

/// <summary>A throw-away folder holding a config file's neighbours: TLS files, a secret file, and env vars named uniquely per test.</summary>
internal sealed class ConfigFolder : IDisposable
{
    private readonly List<string> variables = [];

    public ConfigFolder()
    {
        Path = Directory.CreateTempSubdirectory("ticketgate-config-").FullName;
        File.WriteAllText(System.IO.Path.Combine(Path, "tls.crt"), "-----BEGIN CERTIFICATE-----\n");
        File.WriteAllText(System.IO.Path.Combine(Path, "tls.key"), "-----BEGIN PRIVATE KEY-----\n");
        StateDbVariable = SetVariable("Host=localhost;Database=ticketgate;Username=tg;Password=state-db-s3cret");
        PasswordVariable = SetVariable("shop-prod-s3cret");
        WriteFile("shop-staging.secret", "staging-s3cret\n");
    }

    public string Path { get; }
    public string StateDbVariable { get; }
    public string PasswordVariable { get; }

    public string WriteFile(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    public string SetVariable(string value)
    {
        var name = $"TG_TEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(name, value);
        variables.Add(name);
        return name;
    }

    /// <summary>A minimal valid config; tests replace parts of it to make one thing wrong.</summary>
    public string ValidYaml() => $$"""
        oidc:
          authority: https://example.okta.com/oauth2/default
          audience: api://ticketgate
        postgres:
          listen: 0.0.0.0:5432
          tls: { certificate: tls.crt, key: tls.key }
        state_database:
          connection_string_env: {{StateDbVariable}}
        connections:
          shop-prod:
            host: db1.internal
            port: 5432
            database: shop
            user: ticketgate
            password: { env: {{PasswordVariable}} }
            tags: { env: prod }
        """;

    public void Dispose()
    {
        foreach (var name in variables) Environment.SetEnvironmentVariable(name, null);
        Directory.Delete(Path, recursive: true);
    }
}
