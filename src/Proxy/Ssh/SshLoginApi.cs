using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TicketGate.Proxy.Api;
using TicketGate.Proxy.Identity;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// POST /api/ssh/certificates: an agent with a valid token sends its public key and gets a short-lived user certificate for the
/// bastion, with what its ssh config needs (bastion address, login user, the host CA for known_hosts, the target names).
/// </summary>
internal static class SshLoginApi
{
    public static IEndpointRouteBuilder MapSshLoginApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ssh/certificates", IssueAsync);
        return app;
    }

    private static async Task<IResult> IssueAsync(HttpContext http, SshGateway gateway, ITokenValidator tokens, CancellationToken ct)
    {
        var (identity, problem) = await Caller.AuthenticateAsync(http, tokens, ct);
        if (identity is null) return problem!;
        SshCertificateRequest? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync<SshCertificateRequest>(TicketGateApi.Json, ct);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            body = null;
        }
        if (body?.PublicKey is not { Length: > 0 } line) return Problems.BadRequest("send {\"public_key\": \"ecdsa-sha2-nistp256 AAAA…\"}");
        byte[] key;
        try
        {
            key = SshKey.ParsePublicLine(line);
        }
        catch (FormatException e)
        {
            return Problems.BadRequest($"public_key: {e.Message}");
        }
        var options = gateway.Options;
        var session = Guid.NewGuid();
        // The certificate never outlives the token it was issued for.
        var certificate = gateway.Authority.IssueUser(key, identity.Subject, identity.Groups, options.Bastion.LoginUser, session,
            options.CertificateLifetime, identity.ExpiresAt);
        return Results.Json(new SshLoginGrant(
            certificate.ToLine($"{identity.Subject}@ticketgate"),
            certificate.KeyId,
            certificate.Serial.ToString(System.Globalization.CultureInfo.InvariantCulture),
            certificate.ValidBefore,
            options.Bastion.HostName,
            options.Bastion.Port,
            options.Bastion.LoginUser,
            gateway.Authority.HostCaLine,
            [.. options.Targets.Keys.Order(StringComparer.Ordinal)]), TicketGateApi.Json);
    }
}

public sealed record SshCertificateRequest(string? PublicKey);

/// <summary>What `ticketgate ssh-login` receives: the certificate and how to reach the bastion.</summary>
public sealed record SshLoginGrant(string Certificate, string KeyId, string Serial, DateTimeOffset ValidBefore, string BastionHost, int BastionPort,
    string LoginUser, string HostCa, IReadOnlyList<string> Targets);
