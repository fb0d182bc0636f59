using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TicketGate.Proxy.Identity;

namespace TicketGate.Tests.Identity;

/// <summary>Issuers other than the development one, served by hand: an ECDSA-signing issuer and a misconfigured one.</summary>
public sealed class ForeignIssuerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Es256_token_from_an_issuer_publishing_an_ec_key_is_accepted()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new ECDsaSecurityKey(ecdsa) { KeyId = "ec-1" };
        var point = ecdsa.ExportParameters(includePrivateParameters: false).Q;
        var jwks = $$"""{"keys":[{"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"ec-1","x":"{{Base64UrlEncoder.Encode(point.X)}}","y":"{{Base64UrlEncoder.Encode(point.Y)}}"}]}""";
        await using var host = await IssuerHost.StartAsync(mapMore: (app, baseUrl) => ServeIssuer(app, "/ec", baseUrl + "/ec", baseUrl + "/ec/keys", jwks));
        using var validator = host.CreateValidator(authority: host.BaseUrl + "/ec");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = $$"""{"iss":"{{host.BaseUrl}}/ec","aud":"{{IssuerHost.Audience}}","sub":"svc-reporting","groups":["agents"],"iat":{{now}},"exp":{{now + 300}}}""";
        var token = new JsonWebTokenHandler().CreateToken(claims, new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256));

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
        Assert.Equal("svc-reporting", outcome.Identity.Subject);
    }

    [Fact]
    public async Task Discovery_document_naming_another_issuer_is_reported_as_a_configuration_fault()
    {
        await using var host = await IssuerHost.StartAsync(mapMore: (app, baseUrl) => ServeIssuer(app, "/liar", "https://login.example.com", baseUrl + "/liar/keys", "{\"keys\":[]}"));
        using var validator = host.CreateValidator(authority: host.BaseUrl + "/liar");

        var outcome = await validator.ValidateAsync(host.MintAgentToken(), Ct);

        Assert.Equal(TokenFailure.WrongIssuer, outcome.Failure);
        Assert.Contains("discovery document names 'https://login.example.com'", outcome.Message);
        Assert.Contains("oidc.authority", outcome.Message);
    }

    private static void ServeIssuer(WebApplication app, string path, string issuer, string keysUrl, string jwks)
    {
        var discovery = $$"""{"issuer":"{{issuer}}","jwks_uri":"{{keysUrl}}","response_types_supported":["token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["ES256"]}""";
        app.MapGet(path + "/.well-known/openid-configuration", () => Results.Content(discovery, "application/json"));
        app.MapGet(path + "/keys", () => Results.Content(jwks, "application/json"));
    }
}
