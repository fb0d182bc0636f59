using TicketGate.Proxy.Configuration;

namespace TicketGate.Tests.Configuration;

public sealed class SecretReferenceTests : IDisposable
{
    private readonly ConfigFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Environment_secret_is_read_on_use()
    {
        var name = folder.SetVariable("first");
        var secret = SecretReference.FromEnvironment(name);
        Assert.Equal("first", secret.Read());

        Environment.SetEnvironmentVariable(name, "rotated");
        Assert.Equal("rotated", secret.Read());
    }

    [Theory]
    [InlineData("pw\n", "pw")]
    [InlineData("pw\r\n", "pw")]
    [InlineData("pw\n\n", "pw\n")]
    [InlineData("pw", "pw")]
    [InlineData(" pw \n", " pw ")]
    public void File_secret_loses_one_trailing_newline_and_nothing_else(string content, string expected)
    {
        var secret = SecretReference.FromFile(folder.WriteFile("secret", content));
        Assert.Equal(expected, secret.Read());
    }

    [Fact]
    public void Unset_variable_error_names_the_variable()
    {
        var e = Assert.Throws<SecretUnavailableException>(() => SecretReference.FromEnvironment("TG_TEST_NEVER_SET").Read());
        Assert.Equal("Secret env:TG_TEST_NEVER_SET is unavailable: the environment variable TG_TEST_NEVER_SET is not set; set it in TicketGate's environment.", e.Message);
    }

    [Fact]
    public void Missing_file_error_names_the_path()
    {
        var path = Path.Combine(folder.Path, "absent");
        var e = Assert.Throws<SecretUnavailableException>(() => SecretReference.FromFile(path).Read());
        Assert.Contains($"file:{path}", e.Message);
        Assert.Contains("can't be read", e.Message);
    }

    [Fact]
    public void Empty_secret_is_refused_rather_than_sent_as_an_empty_password()
    {
        var e = Assert.Throws<SecretUnavailableException>(() => SecretReference.FromFile(folder.WriteFile("empty", "\n")).Read());
        Assert.Contains("the secret is empty", e.Message);
    }

    [Fact]
    public void Reference_with_both_sources_is_refused()
    {
        var secret = new SecretReference { Environment = folder.PasswordVariable, File = "/x" };
        Assert.Throws<SecretUnavailableException>(() => secret.Read());
    }

    [Fact]
    public void Text_forms_show_where_the_secret_is_never_what_it_is()
    {
        var fromEnv = SecretReference.FromEnvironment(folder.PasswordVariable);
        var fromFile = SecretReference.FromFile(Path.Combine(folder.Path, "shop-staging.secret"));
        var state = new StateDatabaseOptions { ConnectionStringSecret = SecretReference.FromEnvironment(folder.StateDbVariable) };

        Assert.Equal($"env:{folder.PasswordVariable}", fromEnv.ToString());
        Assert.Equal($"file:{Path.Combine(folder.Path, "shop-staging.secret")}", fromFile.ToString());
        Assert.Equal($"connection string from env:{folder.StateDbVariable}", state.ToString());
        Assert.Null(fromEnv.Problem());
        Assert.Contains("state-db-s3cret", state.ReadConnectionString());
    }
}
