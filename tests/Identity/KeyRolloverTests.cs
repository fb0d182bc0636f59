using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TicketGate.Proxy.Identity;

namespace TicketGate.Tests.Identity;

public sealed class KeyRolloverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_the_issuer_rotates_its_key_new_tokens_validate_after_one_refresh()
    {
        await using var host = await IssuerHost.StartAsync();
        using var validator = host.CreateValidator();
        var oldToken = host.MintAgentToken();
        Assert.True((await validator.ValidateAsync(oldToken, Ct)).IsValid);
        var keyRequestsBefore = host.KeyRequests;

        host.Issuer.RotateKey();
        var newToken = host.MintAgentToken();
        var outcome = await validator.ValidateAsync(newToken, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
        Assert.Equal(keyRequestsBefore + 1, host.KeyRequests);
        Assert.True((await validator.ValidateAsync(oldToken, Ct)).IsValid, "the replaced key stays published until the next rotation");
    }

    [Fact]
    public async Task Unknown_key_ids_refresh_the_issuers_keys_at_most_once_per_interval()
    {
        await using var host = await IssuerHost.StartAsync();
        using var validator = host.CreateValidator(minimumKeyRefreshInterval: TimeSpan.FromSeconds(30));
        Assert.True((await validator.ValidateAsync(host.MintAgentToken(), Ct)).IsValid);
        var keyRequestsBefore = host.KeyRequests;

        for (var i = 0; i < 5; i++)
        {
            var outcome = await validator.ValidateAsync(TokenWithInventedKeyId(host, $"invented-{i}"), Ct);
            Assert.Equal(TokenFailure.UnknownSigningKey, outcome.Failure);
        }

        Assert.Equal(keyRequestsBefore + 1, host.KeyRequests);
    }

    [Fact]
    public async Task Concurrent_tokens_with_a_new_key_id_share_one_refresh()
    {
        await using var host = await IssuerHost.StartAsync();
        using var validator = host.CreateValidator();
        Assert.True((await validator.ValidateAsync(host.MintAgentToken(), Ct)).IsValid);
        var keyRequestsBefore = host.KeyRequests;
        host.Issuer.RotateKey();

        var tokens = Enumerable.Range(0, 20).Select(_ => host.MintAgentToken()).ToArray();
        var outcomes = await Task.WhenAll(tokens.Select(t => validator.ValidateAsync(t, Ct).AsTask()));

        Assert.All(outcomes, o => Assert.True(o.IsValid, o.Message));
        Assert.Equal(keyRequestsBefore + 1, host.KeyRequests);
    }

    [Fact]
    public async Task Key_published_just_after_a_refresh_is_picked_up_once_the_interval_has_passed()
    {
        await using var host = await IssuerHost.StartAsync();
        using var validator = host.CreateValidator(minimumKeyRefreshInterval: TimeSpan.FromSeconds(1));
        Assert.True((await validator.ValidateAsync(host.MintAgentToken(), Ct)).IsValid);
        host.FreezeKeys();
        host.Issuer.RotateKey();
        var token = host.MintAgentToken();

        var beforePropagation = await validator.ValidateAsync(token, Ct);
        host.ThawKeys();
        var keyRequests = host.KeyRequests;
        var throttled = await validator.ValidateAsync(token, Ct);
        var throttledKeyRequests = host.KeyRequests;
        await Task.Delay(TimeSpan.FromSeconds(1.1), Ct);
        var later = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.UnknownSigningKey, beforePropagation.Failure);
        Assert.Equal(TokenFailure.UnknownSigningKey, throttled.Failure);
        Assert.Equal(keyRequests, throttledKeyRequests);
        Assert.True(later.IsValid, later.Message);
    }

    private static string TokenWithInventedKeyId(IssuerHost host, string keyId)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new ECDsaSecurityKey(ecdsa) { KeyId = keyId };
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = $$"""{"iss":"{{host.Issuer.Issuer}}","aud":"{{IssuerHost.Audience}}","sub":"mallory","iat":{{now}},"exp":{{now + 300}}}""";
        return new JsonWebTokenHandler().CreateToken(claims, new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256));
    }
}
