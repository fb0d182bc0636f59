using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using TicketGate.Proxy.Identity;

namespace TicketGate.Tests.Identity;

// The key file's protection is a Unix file mode.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DevelopmentIssuerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Signing_key_file_is_private_to_its_owner_and_reused_by_later_instances()
    {
        var directory = IssuerHost.TemporaryDirectory();
        try
        {
            string keyId;
            string token;
            using (var first = new DevelopmentIssuer(directory, "http://127.0.0.1:15480/oidc"))
            {
                keyId = first.KeyId;
                token = first.Mint("bob", DemoDirectory.GroupsOf("bob"), TimeSpan.FromMinutes(5), IssuerHost.Audience);
                Assert.Equal(Path.Combine(directory, "oidc", "signing-key.json"), first.SigningKeyPath);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(first.SigningKeyPath));
            }

            using var second = new DevelopmentIssuer(directory, "http://127.0.0.1:15480/oidc");

            Assert.Equal(keyId, second.KeyId);
            Assert.Equal(keyId, new JsonWebToken(token).Kid);
            Assert.Contains(keyId, second.JwksJson);
            Assert.Single(Directory.GetFiles(Path.Combine(directory, "oidc")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Loosened_key_file_permissions_are_tightened_on_load()
    {
        var directory = IssuerHost.TemporaryDirectory();
        try
        {
            using (var first = new DevelopmentIssuer(directory, "http://127.0.0.1:15480/oidc"))
            {
                File.SetUnixFileMode(first.SigningKeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            using var second = new DevelopmentIssuer(directory, "http://127.0.0.1:15480/oidc");

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(second.SigningKeyPath));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Rotation_publishes_the_new_and_the_replaced_key_and_survives_a_restart()
    {
        var directory = IssuerHost.TemporaryDirectory();
        try
        {
            using var issuer = new DevelopmentIssuer(directory, "http://127.0.0.1:15480/oidc");
            var original = issuer.KeyId;
            issuer.RotateKey();
            var second = issuer.KeyId;
            issuer.RotateKey();

            using var restarted = new DevelopmentIssuer(directory, "http://127.0.0.1:15480/oidc");

            Assert.NotEqual(original, second);
            Assert.Equal(issuer.KeyId, restarted.KeyId);
            Assert.Equal([issuer.KeyId, second], KeyIds(restarted.JwksJson));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(restarted.SigningKeyPath));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Discovery_and_keys_are_served_over_http_with_public_key_material_only()
    {
        await using var host = await IssuerHost.StartAsync();
        using var http = new HttpClient();

        using var discoveryResponse = await http.GetAsync(host.Issuer.DiscoveryUri, Ct);
        using var keysResponse = await http.GetAsync(host.Issuer.JwksUri, Ct);
        using var discovery = JsonDocument.Parse(await discoveryResponse.Content.ReadAsStringAsync(Ct));
        using var keys = JsonDocument.Parse(await keysResponse.Content.ReadAsStringAsync(Ct));

        Assert.Equal($"{host.BaseUrl}/oidc", discovery.RootElement.GetProperty("issuer").GetString());
        Assert.Equal($"{host.BaseUrl}/oidc/keys", discovery.RootElement.GetProperty("jwks_uri").GetString());
        foreach (var required in (string[])["response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported"])
        {
            Assert.Equal(JsonValueKind.Array, discovery.RootElement.GetProperty(required).ValueKind);
        }
        Assert.Equal($"{host.BaseUrl}/oidc/authorize", discovery.RootElement.GetProperty("authorization_endpoint").GetString());
        Assert.Equal($"{host.BaseUrl}/oidc/token", discovery.RootElement.GetProperty("token_endpoint").GetString());

        var key = Assert.Single(keys.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(host.Issuer.KeyId, key.GetProperty("kid").GetString());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], key.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(2048 / 8, Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(key.GetProperty("n").GetString()!).Length);

        Assert.Equal(TimeSpan.FromSeconds(60), CacheControlOf(keysResponse).MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(60), CacheControlOf(discoveryResponse).MaxAge);
        Assert.Equal("application/json", keysResponse.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Minted_token_carries_the_claims_an_okta_access_token_has()
    {
        var directory = IssuerHost.TemporaryDirectory();
        try
        {
            using var issuer = new DevelopmentIssuer(directory, "http://127.0.0.1:15480/oidc/");

            var jwt = new JsonWebToken(issuer.Mint("carol", DemoDirectory.GroupsOf("carol"), TimeSpan.FromMinutes(15), IssuerHost.Audience));

            Assert.Equal("RS256", jwt.Alg);
            Assert.Equal(issuer.KeyId, jwt.Kid);
            Assert.Equal("http://127.0.0.1:15480/oidc", jwt.Issuer);
            Assert.Equal("carol", jwt.Subject);
            Assert.Equal([IssuerHost.Audience], jwt.Audiences);
            Assert.Equal(["change-managers"], jwt.GetPayloadValue<List<string>>("groups"));
            Assert.Equal(1, jwt.GetPayloadValue<int>("ver"));
            Assert.False(string.IsNullOrEmpty(jwt.Id));
            Assert.Equal(jwt.IssuedAt, jwt.ValidFrom);
            Assert.Equal(TimeSpan.FromMinutes(15), jwt.ValidTo - jwt.ValidFrom);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Demo_directory_holds_the_agent_the_dbas_and_the_change_manager()
    {
        Assert.Equal(["agents"], DemoDirectory.GroupsOf("agent-7"));
        Assert.Equal(["dba"], DemoDirectory.GroupsOf("alice"));
        Assert.Equal(["dba"], DemoDirectory.GroupsOf("bob"));
        Assert.Equal(["change-managers"], DemoDirectory.GroupsOf("carol"));
        Assert.False(DemoDirectory.TryGetGroups("mallory", out _));
        var error = Assert.Throws<ArgumentException>(() => DemoDirectory.GroupsOf("mallory"));
        Assert.Contains("agent-7, alice, bob, carol", error.Message);
    }

    private static CacheControlHeaderValue CacheControlOf(HttpResponseMessage response) =>
        response.Headers.CacheControl ?? throw new Xunit.Sdk.XunitException("no Cache-Control header");

    private static string[] KeyIds(string jwks)
    {
        using var document = JsonDocument.Parse(jwks);
        return document.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToArray();
    }
}
