using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Studio;
using TicketGate.Workflows.Studio;

namespace TicketGate.Proxy.Hosting;

public static partial class GatewayHost
{
    /// <summary>The Elsa Studio API over the workflow runtime (see <see cref="ElsaStudioApi"/>).</summary>
    private static void AddStudio(IServiceCollection services, TicketGateOptions options)
    {
        services.AddElsaStudioApi();
        services.AddSingleton(sp => new StudioAccess(sp.GetRequiredService<ITokenValidator>(), options.Http.AdminGroups));
        services.AddSingleton(sp => new StudioSignIn(options, sp.GetRequiredService<StudioAccess>(), new HttpClient { Timeout = TimeSpan.FromSeconds(15) }));
    }

    /// <summary>
    /// /studio (the designer's host pages and the npm bundle) and /elsa/api, same origin, for admins only: the session cookie
    /// from <see cref="StudioSignIn"/> or an admin's bearer token; anyone else gets 403 (a browser without a session is sent to sign in).
    /// </summary>
    private static void MapStudio(WebApplication app, TicketGateOptions options)
    {
        var access = app.Services.GetRequiredService<StudioAccess>();
        var bundle = new StudioBundle(options.Studio.ResolveBundleDirectory());
        if (!bundle.IsInstalled) LogStudioBundleMissing(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TicketGate.Studio"), bundle.Root);

        app.Use(async (http, next) =>
        {
            var path = http.Request.Path;
            var isStudio = path.StartsWithSegments("/studio", out var rest);
            if (!isStudio && !path.StartsWithSegments(ElsaStudioApi.DefaultPath)
                || path.StartsWithSegments(StudioSignIn.SignInPath) || path.StartsWithSegments(StudioSignIn.SignOutPath))
            {
                await next(http);
                return;
            }
            var caller = await access.CheckAsync(http);
            if (!caller.IsAdmin)
            {
                var anonymous = http.Request.Cookies[StudioAccess.SessionCookie] is null && http.Request.Headers.Authorization.Count == 0;
                var page = HttpMethods.IsGet(http.Request.Method) && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal);
                var result = isStudio && page && anonymous
                    ? Results.Redirect($"{StudioSignIn.SignInPath}?returnUrl={Uri.EscapeDataString(path + http.Request.QueryString)}")
                    : isStudio && page
                        ? StudioSignIn.Refused(caller.Refusal!, 403)
                        : Results.Problem(statusCode: 403, title: "Forbidden",
                            detail: $"The Studio and its API are for members of {string.Join(", ", access.AdminGroups)}: {caller.Refusal}. Sign in at {StudioSignIn.SignInPath}.");
                await result.ExecuteAsync(http);
                return;
            }
            // The session is a cookie, so a state-changing call must come from our own pages.
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && http.Request.Headers.Origin.ToString() is { Length: > 0 } origin
                && !string.Equals(origin, StudioPages.Origin(http, options), StringComparison.OrdinalIgnoreCase))
            {
                await Results.Problem(statusCode: 403, title: "Forbidden", detail: $"Cross-origin request from {origin} refused.").ExecuteAsync(http);
                return;
            }
            http.Items[typeof(StudioCaller)] = caller;
            if (isStudio && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)) && rest.HasValue
                && await bundle.TryServeAsync(http, rest.Value!.TrimStart('/')))
            {
                return;
            }
            await next(http);
        });

        app.MapGet(StudioSignIn.SignInPath, (HttpContext http, StudioSignIn s) => s.StartAsync(http));
        app.MapGet(StudioSignIn.CallbackPath, (HttpContext http, StudioSignIn s) => s.CallbackAsync(http));
        app.MapGet(StudioSignIn.SignOutPath, (HttpContext http) => StudioSignIn.SignOut(http));
        app.MapGet("/studio", () => Results.Redirect("/studio/workflows/definitions"));
        app.MapGet("/studio/workflows/definitions", (HttpContext http) => StudioPages.DefinitionList(http, options, Who(http)));
        app.MapGet("/studio/workflows/definitions/{definitionId}/edit", (HttpContext http, string definitionId) =>
            StudioPages.DefinitionEditor(http, options, Who(http), definitionId));
        app.MapGet("/studio/workflows/instances", (HttpContext http) => StudioPages.InstanceList(http, options, Who(http)));
        app.MapGet("/studio/workflows/instances/{instanceId}/view", (HttpContext http, string instanceId) =>
            StudioPages.InstanceViewer(http, options, Who(http), instanceId));
        app.MapElsaStudioApi();
    }

    private static string Who(HttpContext http) => (http.Items[typeof(StudioCaller)] as StudioCaller)?.Admin?.Subject ?? "";

    [LoggerMessage(740, LogLevel.Warning, "The Elsa Studio bundle is not installed at {Directory}; /studio serves its pages without the designer. Run 'npm ci' in studio/ (the build does it) or set studio.bundle_directory")]
    private static partial void LogStudioBundleMissing(ILogger logger, string directory);
}
