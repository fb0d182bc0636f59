using System.Security.Cryptography;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// TicketGate's two SSH CAs: the user CA signs agents' short-lived certificates (the bastion trusts it through TrustedUserCAKeys), the
/// host CA signs the bastion's host key (agents trust it through a @cert-authority line). Keys are kept in the SSH directory and
/// made on first start.
/// </summary>
public sealed class SshCertificateAuthority : IDisposable
{
    /// <summary>The only extension an agent's certificate carries: no agent, port or X11 forwarding, no user rc.</summary>
    public const string PermitPty = "permit-pty";
    /// <summary>An informational extension (ignored by sshd, which skips extensions it doesn't know) holding the token's groups, signed with the rest.</summary>
    public const string GroupsExtension = "groups@ticketgate";

    private readonly SshKey _userCa;
    private readonly SshKey _hostCa;
    private readonly TimeProvider _time;

    public SshCertificateAuthority(string directory, TimeProvider? time = null)
    {
        _userCa = SshKey.LoadOrCreate(Path.Combine(directory, "user_ca"));
        _hostCa = SshKey.LoadOrCreate(Path.Combine(directory, "host_ca"));
        _time = time ?? TimeProvider.System;
    }

    public string UserCaLine => _userCa.PublicLine("ticketgate-user-ca");
    public string HostCaLine => _hostCa.PublicLine("ticketgate-host-ca");
    public byte[] UserCaBlob => _userCa.PublicBlob;

    /// <summary>An agent's certificate: key id "SUBJECT session SESSION", a random 63-bit serial, one principal, permit-pty only.</summary>
    public OpenSshCertificate IssueUser(byte[] agentKey, string subject, IReadOnlyList<string> groups, string principal, Guid session,
        TimeSpan lifetime, DateTimeOffset? notAfter = null)
    {
        var now = _time.GetUtcNow();
        var before = now + lifetime;
        if (notAfter is { } limit && limit < before) before = limit;
        return new OpenSshCertificate
        {
            SubjectKey = agentKey,
            Serial = NewSerial(),
            Type = SshCertificateType.User,
            KeyId = KeyIdFor(subject, session),
            Principals = [principal],
            // A minute back for clocks a little behind; OpenSSH's ssh-keygen does the same with -V -1m.
            ValidAfter = now.AddMinutes(-1),
            ValidBefore = before,
            Extensions = [new(PermitPty, ""), new(GroupsExtension, string.Join(',', groups))],
        }.Sign(_userCa);
    }

    /// <summary>The bastion's host certificate for <paramref name="hostNames"/>, valid for a year.</summary>
    public OpenSshCertificate IssueHost(byte[] hostKey, IReadOnlyList<string> hostNames)
    {
        var now = _time.GetUtcNow();
        return new OpenSshCertificate
        {
            SubjectKey = hostKey,
            Serial = NewSerial(),
            Type = SshCertificateType.Host,
            KeyId = "ticketgate-bastion",
            Principals = hostNames,
            ValidAfter = now.AddMinutes(-1),
            ValidBefore = now.AddDays(365),
        }.Sign(_hostCa);
    }

    /// <summary>
    /// Checks a certificate the shim passed on (from sshd's SSH_USER_AUTH): signed by the user CA, a user certificate, valid now,
    /// for <paramref name="principal"/>, with TicketGate's key id. Returns the identity it names, or throws
    /// <see cref="SshAccessException"/> saying why not.
    /// </summary>
    public SshCertificateIdentity Verify(byte[] blob, string principal)
    {
        OpenSshCertificate certificate;
        try
        {
            certificate = OpenSshCertificate.Parse(blob);
        }
        catch (FormatException e)
        {
            throw new SshAccessException($"the login certificate is not valid: {e.Message}");
        }
        if (!certificate.SignatureKey.AsSpan().SequenceEqual(_userCa.PublicBlob)) throw new SshAccessException("the login certificate was not signed by TicketGate's user CA");
        if (certificate.Type != SshCertificateType.User) throw new SshAccessException("the login certificate is not a user certificate");
        var now = _time.GetUtcNow();
        if (now < certificate.ValidAfter || now >= certificate.ValidBefore) throw new SshAccessException("the login certificate has expired; run `ticketgate ssh-login` again");
        if (!certificate.Principals.Contains(principal)) throw new SshAccessException($"the login certificate is not for {principal}");
        if (!TryParseKeyId(certificate.KeyId, out var subject, out var session)) throw new SshAccessException("the login certificate's key id is not TicketGate's");
        var groups = certificate.Extensions.FirstOrDefault(e => e.Key == GroupsExtension).Value ?? "";
        return new SshCertificateIdentity(subject, groups.Split(',', StringSplitOptions.RemoveEmptyEntries), session, certificate.Serial, certificate.ValidBefore);
    }

    public static string KeyIdFor(string subject, Guid session) => $"{subject} session {session}";

    private static bool TryParseKeyId(string keyId, out string subject, out Guid session)
    {
        const string Marker = " session ";
        var at = keyId.LastIndexOf(Marker, StringComparison.Ordinal);
        subject = at > 0 ? keyId[..at] : "";
        session = Guid.Empty;
        return at > 0 && Guid.TryParse(keyId.AsSpan(at + Marker.Length), out session);
    }

    private static ulong NewSerial() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 1;

    public void Dispose()
    {
        _userCa.Dispose();
        _hostCa.Dispose();
    }
}

/// <summary>Who a verified login certificate names: the token's subject and groups when it was issued, and the login session.</summary>
public sealed record SshCertificateIdentity(string Subject, IReadOnlyList<string> Groups, Guid LoginSession, ulong Serial, DateTimeOffset ValidBefore);

/// <summary>Why TicketGate refuses an SSH request; the message is shown to the agent.</summary>
public sealed class SshAccessException(string message) : Exception(message);
