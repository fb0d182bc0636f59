using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TicketGate.Proxy.Postgres.Tls;

/// <summary>The PostgreSQL listener's TLS certificate: loaded from PEM files, or created for the demo (a local CA plus a server certificate).</summary>
public static class ListenerCertificate
{
    public static X509Certificate2 LoadPem(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        // Re-import so the private key is usable by SslStream on Linux (ephemeral PEM keys are).
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// Creates (once) a demo CA and a server certificate for 127.0.0.1/localhost under <paramref name="directory"/>;
    /// returns the paths. Clients verify with sslmode=verify-full sslrootcert=ca.crt.
    /// </summary>
    public static (string CaFile, string CertificateFile, string KeyFile) EnsureDemoCertificate(string directory)
    {
        Directory.CreateDirectory(directory);
        var caFile = Path.Combine(directory, "ca.crt");
        var certFile = Path.Combine(directory, "server.crt");
        var keyFile = Path.Combine(directory, "server.key");
        if (File.Exists(caFile) && File.Exists(certFile) && File.Exists(keyFile))
        {
            using var existing = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            if (existing.NotAfter > DateTime.UtcNow.AddDays(7)) return (caFile, certFile, keyFile);
        }

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=TicketGate demo CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var ca = caRequest.CreateSelfSigned(now, now.AddYears(5));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var server = request.Create(ca, now, now.AddYears(2), serial);

        File.WriteAllText(caFile, ca.ExportCertificatePem());
        File.WriteAllText(certFile, server.ExportCertificatePem() + "\n" + ca.ExportCertificatePem());
        File.WriteAllText(keyFile, serverKey.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (caFile, certFile, keyFile);
    }
}
