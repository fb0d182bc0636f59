using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;

namespace TicketGate.Tests.Configuration;

public sealed class DevelopmentIssuerConfigTests : IDisposable
{
    private readonly ConfigFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Development_issuer_makes_the_authority_the_public_url_oidc_path_over_http()
    {
        var options = Load(WithDevelopmentIssuer("dev-issuer") + "\nhttp:\n  listen: 127.0.0.1:8081\n  public_url: http://gateway.test:8081/\n");

        Assert.Equal("http://gateway.test:8081/oidc", options.Oidc.Authority);
        Assert.False(options.Oidc.RequireHttpsMetadata);
        Assert.Equal(Path.Combine(folder.Path, "dev-issuer"), options.Oidc.DevelopmentIssuerDirectory);
        Assert.Equal("api://ticketgate", options.Oidc.Audience);
    }

    [Fact]
    public void Development_issuer_without_public_url_is_reached_on_loopback_at_the_listen_port()
    {
        var options = Load(WithDevelopmentIssuer("/tmp/tg-dev-issuer") + "\nhttp:\n  listen: 0.0.0.0:18080\n");

        Assert.Equal("http://127.0.0.1:18080/oidc", options.Oidc.Authority);
        Assert.Equal("/tmp/tg-dev-issuer", options.Oidc.DevelopmentIssuerDirectory);
    }

    [Fact]
    public void Authority_the_development_issuer_publishes_is_the_one_its_tokens_carry()
    {
        var options = Load(WithDevelopmentIssuer("dev-issuer"));
        using var issuer = new DevelopmentIssuer(options.Oidc.DevelopmentIssuerDirectory!, options.Oidc.Authority);

        Assert.Equal(options.Oidc.Authority, issuer.Issuer);
        Assert.Equal("/oidc", issuer.BasePath);
        Assert.True(File.Exists(Path.Combine(folder.Path, "dev-issuer", "oidc", "signing-key.json")));
    }

    [Fact]
    public void Authority_together_with_development_issuer_is_refused()
    {
        var yaml = folder.ValidYaml().Replace("oidc:\n", "oidc:\n  development_issuer: dev-issuer\n");

        var e = Assert.Throws<ConfigurationException>(() => Load(yaml));

        Assert.Contains("oidc.authority", e.Message);
        Assert.Contains("together with development_issuer", e.Message);
    }

    [Fact]
    public void Real_issuer_config_has_no_development_issuer()
    {
        Assert.Null(Load(folder.ValidYaml()).Oidc.DevelopmentIssuerDirectory);
    }

    private string WithDevelopmentIssuer(string path) =>
        folder.ValidYaml().Replace("  authority: https://example.okta.com/oauth2/default\n", $"  development_issuer: {path}\n");

    private TicketGateOptions Load(string yaml) => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", folder.Path);
}
