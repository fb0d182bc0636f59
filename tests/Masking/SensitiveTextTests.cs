using System.Text;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Masking;

namespace TicketGate.Tests.Masking;

public sealed class SensitiveTextTests
{
    [Theory]
    [InlineData("card 4111 1111 1111 1111 on file", "4111 1111 1111 1111", SensitiveDataKinds.Card)]
    [InlineData("amex 3782-822463-10005.", "3782-822463-10005", SensitiveDataKinds.Card)]
    [InlineData("iban DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00", SensitiveDataKinds.Iban)]
    [InlineData("GB82WEST12345698765432", "GB82WEST12345698765432", SensitiveDataKinds.Iban)]
    [InlineData("ssn: 123-45-6789", "123-45-6789", SensitiveDataKinds.Ssn)]
    [InlineData("mail Ada.Lovelace+db@maths.example.co.uk.", "Ada.Lovelace+db@maths.example.co.uk", SensitiveDataKinds.Email)]
    [InlineData("call +1-201-555-0100 now", "+1-201-555-0100", SensitiveDataKinds.Phone)]
    [InlineData("call (212) 555-0199 now", "(212) 555-0199", SensitiveDataKinds.Phone)]
    [InlineData("fax 201.555.0100", "201.555.0100", SensitiveDataKinds.Phone)]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", SensitiveDataKinds.CloudKey)]
    [InlineData("key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", SensitiveDataKinds.CloudKey)]
    [InlineData("DefaultEndpointsProtocol=https;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy==;EndpointSuffix=x",
        "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy==", SensitiveDataKinds.CloudKey)]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudC03In0.c2lnbmF0dXJlLXZhbHVl", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudC03In0.c2lnbmF0dXJlLXZhbHVl", SensitiveDataKinds.Jwt)]
    [InlineData("x -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- y",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", SensitiveDataKinds.PrivateKey)]
    public void Finds_each_kind_of_sensitive_text(string text, string expected, SensitiveDataKinds kind)
    {
        var found = Find(text);

        var finding = Assert.Single(found);
        Assert.Equal(expected, finding.Text);
        Assert.Equal(kind, finding.Kind);
    }

    [Theory]
    [InlineData("order 4111 1111 1111 1112")]          // fails the Luhn check
    [InlineData("epoch 1732456789012 ms")]              // 13 digits, but not a card network's range
    [InlineData("DE89 3704 0044 0532 0130 01")]         // fails the IBAN check
    [InlineData("000-12-3456 and 666-12-3456")]         // never-issued SSN areas
    [InlineData("on 2024-05-01 at 10:30, version 1.2.3, id 42, 12345678")]
    [InlineData("user@localhost and a @ sign")]
    [InlineData("AKIAshort and eyJ.not.a.token")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")]
    public void Leaves_ordinary_text_alone(string text) => Assert.Empty(Find(text));

    [Fact]
    public void Finds_several_things_in_one_value_in_order()
    {
        var found = Find("""{"email":"a.b@example.com","card":"5555555555554444","ssn":"234-56-7890"}""");

        Assert.Equal(["a.b@example.com", "5555555555554444", "234-56-7890"], found.Select(f => f.Text));
    }

    [Fact]
    public void Styles_mask_fully_keep_the_last_four_or_hash_with_the_key()
    {
        var formatter = new MaskFormatter("deployment-key"u8.ToArray());
        var other = new MaskFormatter("another-key"u8.ToArray());

        Assert.Equal("****", Format(formatter, "4111111111111111", MaskStyle.Full));
        Assert.Equal("****1111", Format(formatter, "4111 1111 1111 1111", MaskStyle.LastFour));
        Assert.Equal("****", Format(formatter, "1234567", MaskStyle.LastFour));
        Assert.StartsWith("hash:", Format(formatter, "a@b.com", MaskStyle.Hash), StringComparison.Ordinal);
        Assert.Equal(Format(formatter, "a@b.com", MaskStyle.Hash), Format(formatter, "a@b.com", MaskStyle.Hash));
        Assert.NotEqual(Format(formatter, "a@b.com", MaskStyle.Hash), Format(formatter, "a@b.org", MaskStyle.Hash));
        Assert.NotEqual(Format(formatter, "a@b.com", MaskStyle.Hash), Format(other, "a@b.com", MaskStyle.Hash));
    }

    private static string Format(MaskFormatter formatter, string value, MaskStyle style)
    {
        Span<byte> buffer = stackalloc byte[MaskFormatter.MaxLength];
        return Encoding.UTF8.GetString(buffer[..formatter.Write(Encoding.UTF8.GetBytes(value), style, buffer)]);
    }

    private static List<(string Text, SensitiveDataKinds Kind)> Find(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var findings = new Findings();
        SensitiveText.Find(bytes, SensitiveDataKinds.All, findings);
        var result = new List<(string, SensitiveDataKinds)>();
        for (var i = 0; i < findings.Count; i++) result.Add((Encoding.UTF8.GetString(bytes, findings[i].Start, findings[i].Length), findings[i].Kind));
        return result;
    }
}
