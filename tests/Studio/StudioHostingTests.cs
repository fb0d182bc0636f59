using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Studio;

/// <summary>/studio: the npm bundle and TicketGate's host pages, for admins signed in through the issuer, and nobody else.</summary>
public sealed partial class StudioHostingTests(PostgresClusterFixture postgres)
{
    private static string Bundle => Path.Combine(AppContext.BaseDirectory, "studio");

    [Fact]
    public async Task Bundle_is_served_byte_for_byte_with_blazor_mime_types_and_compressed_variants()
    {
        await using var gateway = await GatewayFixture.StartAsync(postgres);
        using var http = Client(gateway, gateway.Token(StudioClient.Admin, [StudioClient.AdminsGroup]));
        var wasm = Path.GetFileName(Directory.GetFiles(Path.Combine(Bundle, "_framework"), "Elsa.Api.Client.*.wasm").Single());
        var dat = Path.GetFileName(Directory.GetFiles(Path.Combine(Bundle, "_framework"), "icudt*.dat").Single());

        using var plain = await http.GetAsync($"studio/_framework/{wasm}");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("application/wasm", plain.Content.Headers.ContentType!.MediaType);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Bundle, "_framework", wasm)), await plain.Content.ReadAsByteArrayAsync());

        using var brotli = new HttpRequestMessage(HttpMethod.Get, $"studio/_framework/{wasm}");
        brotli.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using var compressed = await http.SendAsync(brotli);
        Assert.Equal("application/wasm", compressed.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["br"], compressed.Content.Headers.ContentEncoding);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Bundle, "_framework", wasm + ".br")), await compressed.Content.ReadAsByteArrayAsync());

        using var icu = await http.GetAsync($"studio/_framework/{dat}");
        Assert.Equal("application/octet-stream", icu.Content.Headers.ContentType!.MediaType);
        using var script = await http.GetAsync("studio/_framework/blazor.webassembly.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("studio/_framework/../../appsettings.json")).StatusCode);

        var page = await http.GetStringAsync("studio/workflows/definitions");
        Assert.Contains($"<elsa-workflow-definition-list remote-endpoint=\"{gateway.HttpUrl}/elsa/api\">", page, StringComparison.Ordinal);
        Assert.Contains("<base href=\"/studio/\">", page, StringComparison.Ordinal);
        var editor = await http.GetStringAsync("studio/workflows/definitions/approval/edit");
        Assert.Contains("<elsa-workflow-definition-editor remote-endpoint=", editor, StringComparison.Ordinal);
        Assert.Contains("definition-id=\"approval\"", editor, StringComparison.Ordinal);
        Assert.Contains("<elsa-workflow-instance-list", await http.GetStringAsync("studio/workflows/instances"), StringComparison.Ordinal);
        Assert.Contains("instance-id=\"abc\"", await http.GetStringAsync("studio/workflows/instances/abc/view"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_admins_get_in_everyone_else_gets_403_and_a_browser_without_a_session_is_sent_to_sign_in()
    {
        await using var gateway = await GatewayFixture.StartAsync(postgres);
        using var approver = Client(gateway, gateway.Token("alice", ["dba"]));
        using var anonymous = Client(gateway, null);

        Assert.Equal(HttpStatusCode.Forbidden, (await approver.GetAsync("elsa/api/workflow-definitions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await approver.GetAsync("studio/workflows/definitions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await approver.GetAsync("studio/_framework/blazor.webassembly.js")).StatusCode);
        var refused = await anonymous.GetAsync("elsa/api/descriptors/activities");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("ticketgate-admins", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var browser = new HttpRequestMessage(HttpMethod.Get, "studio/workflows/instances");
        browser.Headers.Accept.ParseAdd("text/html");
        using var redirect = await anonymous.SendAsync(browser);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/studio/signin?returnUrl=%2Fstudio%2Fworkflows%2Finstances", redirect.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Admin_signs_in_through_the_issuer_and_the_session_cookie_authorizes_the_api_while_others_are_refused()
    {
        await using var gateway = await GatewayFixture.StartAsync(postgres);

        var (admin, adminLanding) = await SignInAsync(gateway, StudioClient.Admin);
        Assert.Equal(HttpStatusCode.Redirect, adminLanding.StatusCode);
        Assert.Equal("/studio/workflows/instances", adminLanding.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("elsa/api/workflow-definitions?versionOptions=Latest")).StatusCode);
        Assert.Contains(StudioClient.Admin, await admin.GetStringAsync("studio/workflows/instances"), StringComparison.Ordinal);
        // The session is a cookie: a state-changing call from another origin is refused.
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "elsa/api/workflow-instances") { Content = new StringContent("{}") };
        foreign.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.SendAsync(foreign)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("studio/signout")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync("elsa/api/workflow-definitions")).StatusCode);

        var (approver, approverLanding) = await SignInAsync(gateway, "alice");
        Assert.Equal(HttpStatusCode.Forbidden, approverLanding.StatusCode);
        Assert.Contains("alice is not in an admin group", await approverLanding.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await approver.GetAsync("elsa/api/workflow-definitions")).StatusCode);
        admin.Dispose();
        approver.Dispose();
    }

    /// <summary>What a browser does: /studio/signin → the issuer's sign-in page → pick a person → callback with the code.</summary>
    private static async Task<(HttpClient Client, HttpResponseMessage Landing)> SignInAsync(GatewayFixture gateway, string person)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(gateway.HttpUrl + "/"),
        };
        using var start = await client.GetAsync("studio/signin?returnUrl=%2Fstudio%2Fworkflows%2Finstances");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith($"{gateway.HttpUrl}/oidc/authorize?response_type=code&client_id=ticketgate-studio", authorize.OriginalString, StringComparison.Ordinal);
        var page = await client.GetStringAsync(authorize);
        var fields = new Dictionary<string, string> { ["user"] = person };
        foreach (Match hidden in HiddenInput().Matches(page)) fields[hidden.Groups[1].Value] = WebUtility.HtmlDecode(hidden.Groups[2].Value);
        fields["response_type"] = "code";
        using var chosen = await client.PostAsync("oidc/authorize", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        Assert.StartsWith($"{gateway.HttpUrl}/studio/signin/callback?code=", chosen.Headers.Location!.OriginalString, StringComparison.Ordinal);
        return (client, await client.GetAsync(chosen.Headers.Location));
    }

    private static HttpClient Client(GatewayFixture gateway, string? token)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = new Uri(gateway.HttpUrl + "/"),
        };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([a-z_]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();
}
