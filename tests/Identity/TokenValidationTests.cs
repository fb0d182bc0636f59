using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TicketGate.Proxy.Identity;

namespace TicketGate.Tests.Identity;

public sealed class TokenValidationTests(IssuerFixture fixture) : IClassFixture<IssuerFixture>
{
    private readonly IssuerHost _host = fixture.Host;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Token_from_the_issuer_yields_its_subject_groups_expiry_and_issuer()
    {
        using var validator = _host.CreateValidator();
        var token = _host.Issuer.Mint("alice", ["dba", "oncall"], TimeSpan.FromMinutes(10), IssuerHost.Audience);

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
        Assert.Equal("alice", outcome.Identity.Subject);
        Assert.Equal(["dba", "oncall"], outcome.Identity.Groups);
        Assert.Equal(_host.Issuer.Issuer, outcome.Identity.Issuer);
        Assert.InRange(outcome.Identity.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
    }

    [Fact]
    public async Task Token_expired_beyond_the_clock_skew_is_rejected_with_its_expiry_time()
    {
        using var validator = _host.CreateValidator();
        using var past = _host.WithClockShiftedBy(TimeSpan.FromMinutes(-3));
        var token = past.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(2), IssuerHost.Audience);
        var expiry = new JsonWebToken(token).ValidTo;

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.Expired, outcome.Failure);
        Assert.StartsWith($"token expired at {expiry:yyyy-MM-dd'T'HH:mm:ss'Z'} (clock skew allowed 30s)", outcome.Message);
    }

    [Fact]
    public async Task Token_expired_within_the_clock_skew_is_still_accepted()
    {
        using var validator = _host.CreateValidator();
        using var past = _host.WithClockShiftedBy(TimeSpan.FromSeconds(-70));
        var token = past.Mint("agent-7", ["agents"], TimeSpan.FromSeconds(60), IssuerHost.Audience);

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
    }

    [Fact]
    public async Task Configured_clock_skew_above_thirty_seconds_is_clamped()
    {
        using var validator = _host.CreateValidator(clockSkew: TimeSpan.FromMinutes(5));
        using var past = _host.WithClockShiftedBy(TimeSpan.FromSeconds(-100));
        var token = past.Mint("agent-7", ["agents"], TimeSpan.FromSeconds(60), IssuerHost.Audience);

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TimeSpan.FromSeconds(30), validator.ClockSkew);
        Assert.Equal(TokenFailure.Expired, outcome.Failure);
    }

    [Fact]
    public async Task Token_from_the_future_is_rejected_as_not_yet_valid()
    {
        using var validator = _host.CreateValidator();
        using var future = _host.WithClockShiftedBy(TimeSpan.FromMinutes(5));
        var token = future.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(5), IssuerHost.Audience);

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.NotYetValid, outcome.Failure);
        Assert.StartsWith("token is not valid before ", outcome.Message);
    }

    [Fact]
    public async Task Token_for_another_audience_is_rejected_naming_both_audiences()
    {
        using var validator = _host.CreateValidator();
        var token = _host.Issuer.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(5), "api://billing");

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.WrongAudience, outcome.Failure);
        Assert.StartsWith("token audience 'api://billing' is not 'api://ticketgate'", outcome.Message);
    }

    [Fact]
    public async Task Token_naming_another_issuer_is_rejected_even_when_signed_with_a_trusted_key()
    {
        using var validator = _host.CreateValidator();
        // Same key file, different URL: the signature verifies, only the issuer is wrong.
        using var impostor = new DevelopmentIssuer(_host.DataDirectory, "http://127.0.0.1:1/elsewhere");
        var token = impostor.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(5), IssuerHost.Audience);

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.WrongIssuer, outcome.Failure);
        Assert.Contains("'http://127.0.0.1:1/elsewhere'", outcome.Message);
    }

    [Fact]
    public async Task Token_signed_by_a_key_the_issuer_does_not_publish_is_rejected_as_unknown_key()
    {
        using var validator = _host.CreateValidator();
        using var stranger = new DevelopmentIssuer(_host.Subdirectory("stranger"), _host.Issuer.Issuer);
        var token = stranger.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(5), IssuerHost.Audience);

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.UnknownSigningKey, outcome.Failure);
        Assert.StartsWith($"token signed with key id '{stranger.KeyId}', which the issuer's JWKS does not list", outcome.Message);
    }

    [Fact]
    public async Task Token_with_an_altered_payload_fails_the_signature_check()
    {
        using var validator = _host.CreateValidator();
        var parts = _host.Issuer.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(5), IssuerHost.Audience).Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"agents\"", "\"dba\"");
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        var outcome = await validator.ValidateAsync(tampered, Ct);

        Assert.Equal(TokenFailure.BadSignature, outcome.Failure);
        Assert.Contains("does not verify", outcome.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hunter2")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.%%%.sig")]
    public async Task Something_that_is_not_a_JWT_is_rejected_as_malformed(string password)
    {
        using var validator = _host.CreateValidator();

        var outcome = await validator.ValidateAsync(password, Ct);

        Assert.Equal(TokenFailure.Malformed, outcome.Failure);
        Assert.DoesNotContain(password.Length > 0 ? password : "\0", outcome.Message);
    }

    [Fact]
    public async Task Unsigned_token_with_alg_none_is_rejected()
    {
        using var validator = _host.CreateValidator();
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode(ValidClaims());

        var outcome = await validator.ValidateAsync($"{header}.{payload}.", Ct);

        Assert.Equal(TokenFailure.BadSignature, outcome.Failure);
        Assert.Contains("alg 'none'", outcome.Message);
    }

    [Fact]
    public async Task Hmac_signed_token_is_rejected_whatever_its_secret()
    {
        using var validator = _host.CreateValidator();
        var secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(new string('k', 64))) { KeyId = _host.Issuer.KeyId };
        var token = new JsonWebTokenHandler().CreateToken(ValidClaims(), new SigningCredentials(secret, SecurityAlgorithms.HmacSha256));

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.BadSignature, outcome.Failure);
        Assert.Contains("'HS256'", outcome.Message);
    }

    [Fact]
    public async Task Token_over_16_KiB_is_rejected_as_too_large_without_asking_the_issuer()
    {
        using var validator = _host.CreateValidator();
        var before = _host.DiscoveryRequests + _host.KeyRequests;

        var outcome = await validator.ValidateAsync(new string('a', 17 * 1024), Ct);

        Assert.Equal(TokenFailure.TooLarge, outcome.Failure);
        Assert.Equal(before, _host.DiscoveryRequests + _host.KeyRequests);
    }

    [Fact]
    public async Task Groups_claim_holding_one_string_becomes_one_group()
    {
        using var validator = _host.CreateValidator();
        var token = _host.Issuer.SignPayload(ValidClaims(groups: "\"change-managers\""));

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
        Assert.Equal(["change-managers"], outcome.Identity.Groups);
    }

    [Fact]
    public async Task Missing_groups_claim_means_no_groups()
    {
        using var validator = _host.CreateValidator();
        var token = _host.Issuer.SignPayload(ValidClaims(groups: null));

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
        Assert.Empty(outcome.Identity.Groups);
    }

    [Fact]
    public async Task Groups_are_read_from_the_configured_claim()
    {
        using var validator = _host.CreateValidator(groupsClaim: "roles");
        var token = _host.Issuer.SignPayload(ValidClaims(groups: "[\"ignored\"]").Replace("}", ",\"roles\":[\"dba\"]}"));

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
        Assert.Equal(["dba"], outcome.Identity.Groups);
    }

    [Fact]
    public async Task Token_without_a_subject_is_rejected()
    {
        using var validator = _host.CreateValidator();
        var token = _host.Issuer.SignPayload(ValidClaims(subject: null));

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.MissingSubject, outcome.Failure);
    }

    [Fact]
    public async Task Token_without_an_expiry_is_rejected()
    {
        using var validator = _host.CreateValidator();
        var token = _host.Issuer.SignPayload(ValidClaims(lifetime: false));

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.Malformed, outcome.Failure);
        Assert.Contains("no expiry", outcome.Message);
    }

    [Fact]
    public async Task Authority_with_a_trailing_slash_matches_the_issuer_without_one()
    {
        using var validator = _host.CreateValidator(authority: _host.Issuer.Issuer + "/");

        var outcome = await validator.ValidateAsync(_host.MintAgentToken(), Ct);

        Assert.True(outcome.IsValid, outcome.Message);
    }

    [Fact]
    public async Task Validating_the_same_token_again_reuses_the_earlier_result()
    {
        using var validator = _host.CreateValidator();
        var token = _host.MintAgentToken();

        var first = await validator.ValidateAsync(token, Ct);
        var second = await validator.ValidateAsync(token, Ct);

        Assert.True(first.IsValid, first.Message);
        Assert.Same(first.Identity, second.Identity);
    }

    [Fact]
    public async Task Rejection_messages_never_repeat_the_token()
    {
        using var validator = _host.CreateValidator();
        using var past = _host.WithClockShiftedBy(TimeSpan.FromHours(-1));
        var token = past.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(1), IssuerHost.Audience);

        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.False(outcome.IsValid);
        foreach (var part in token.Split('.')) Assert.DoesNotContain(part, outcome.Message);
    }

    private string ValidClaims(string? subject = "agent-7", string? groups = "[\"agents\"]", bool lifetime = true)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new StringBuilder();
        claims.Append($"{{\"iss\":\"{_host.Issuer.Issuer}\",\"aud\":\"{IssuerHost.Audience}\"");
        if (subject is not null) claims.Append($",\"sub\":\"{subject}\"");
        if (groups is not null) claims.Append($",\"groups\":{groups}");
        if (lifetime) claims.Append($",\"iat\":{now},\"nbf\":{now},\"exp\":{now + 300}");
        return claims.Append('}').ToString();
    }
}
