using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using TicketGate.Proxy.Configuration;
using TicketGate.Workflows.Studio;

namespace TicketGate.Proxy.Studio;

/// <summary>
/// TicketGate's host pages for the Studio's custom elements (contract §1.3, corrected by the browser findings): base href
/// /studio/, an absolute same-origin <c>remote-endpoint</c>, callbacks set once the element is defined, and a CSP that lets
/// the WebAssembly runtime start and nothing else in.
/// </summary>
internal static class StudioPages
{
    public static string Origin(HttpContext http, TicketGateOptions options) =>
        options.Http.PublicUrl?.TrimEnd('/') ?? $"{http.Request.Scheme}://{http.Request.Host}";

    public static IResult DefinitionList(HttpContext http, TicketGateOptions options, string who) => Page(http, options, who, "Workflow definitions",
        "<elsa-workflow-definition-list remote-endpoint=\"{api}\"></elsa-workflow-definition-list>",
        """
        whenDefined('elsa-workflow-definition-list', el => el.editWorkflowDefinition = id => location.href = '/studio/workflows/definitions/' + encodeURIComponent(id) + '/edit');
        """);

    public static IResult DefinitionEditor(HttpContext http, TicketGateOptions options, string who, string definitionId) => Page(http, options, who,
        "Edit workflow", $"<elsa-workflow-definition-editor remote-endpoint=\"{{api}}\" definition-id=\"{WebUtility.HtmlEncode(definitionId)}\"></elsa-workflow-definition-editor>",
        "");

    public static IResult InstanceList(HttpContext http, TicketGateOptions options, string who) => Page(http, options, who, "Workflow instances",
        "<elsa-workflow-instance-list remote-endpoint=\"{api}\"></elsa-workflow-instance-list>",
        """
        whenDefined('elsa-workflow-instance-list', el => el.viewWorkflowInstance = id => location.href = '/studio/workflows/instances/' + encodeURIComponent(id) + '/view');
        """);

    public static IResult InstanceViewer(HttpContext http, TicketGateOptions options, string who, string instanceId) => Page(http, options, who,
        "Workflow instance", $"<elsa-workflow-instance-viewer remote-endpoint=\"{{api}}\" instance-id=\"{WebUtility.HtmlEncode(instanceId)}\"></elsa-workflow-instance-viewer>",
        """
        whenDefined('elsa-workflow-instance-viewer', el => el.editWorkflowDefinition = id => location.href = '/studio/workflows/definitions/' + encodeURIComponent(id) + '/edit');
        """);

    private static IResult Page(HttpContext http, TicketGateOptions options, string who, string title, string element, string script)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var api = WebUtility.HtmlEncode(Origin(http, options) + ElsaStudioApi.DefaultPath);
        http.Response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";
        http.Response.Headers.CacheControl = "no-store";
        var html = $$"""
            <!doctype html>
            <html lang="en"><head>
            <meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
            <title>{{title}} · TicketGate Studio</title>
            <base href="/studio/">
            <link href="_content/MudBlazor/MudBlazor.min.css" rel="stylesheet">
            <link href="_content/CodeBeam.MudBlazor.Extensions/MudExtensions.min.css" rel="stylesheet">
            <link href="_content/Radzen.Blazor/css/material-base.css" rel="stylesheet">
            <link href="_content/Elsa.Studio.Shell/css/shell.css" rel="stylesheet">
            <link href="Elsa.Studio.Host.CustomElements.styles.css" rel="stylesheet">
            <style>
              html, body { height: 100%; margin: 0; }
              body { display: flex; flex-direction: column; font-family: Roboto, Helvetica, Arial, sans-serif; }
              .tg-bar { display: flex; gap: 1.5rem; align-items: center; padding: .5rem 1rem; background: #1f2937; color: #f9fafb; }
              .tg-bar a { color: #f9fafb; text-decoration: none; } .tg-bar .tg-who { margin-left: auto; opacity: .8; }
              .tg-main { flex: 1; min-height: 0; overflow: auto; }
              #blazor-error-ui { display: none; background: #fee2e2; padding: .5rem 1rem; }
            </style>
            </head><body>
            <nav class="tg-bar"><strong>TicketGate Studio</strong>
              <a href="/studio/workflows/definitions">Definitions</a><a href="/studio/workflows/instances">Instances</a>
              <span class="tg-who">{{WebUtility.HtmlEncode(who)}} · <a href="/studio/signout">Sign out</a></span></nav>
            <main class="tg-main">{{element.Replace("{api}", api, StringComparison.Ordinal)}}</main>
            <div id="blazor-error-ui">The Studio hit an error. <a href="" class="reload">Reload</a> <a class="dismiss">×</a></div>
            <script src="_content/BlazorMonaco/jsInterop.js"></script>
            <script src="_content/BlazorMonaco/lib/monaco-editor/min/vs/loader.js"></script>
            <script src="_content/BlazorMonaco/lib/monaco-editor/min/vs/editor/editor.main.js"></script>
            <script src="_content/MudBlazor/MudBlazor.min.js"></script>
            <script src="_content/CodeBeam.MudBlazor.Extensions/MudExtensions.min.js"></script>
            <script src="_content/Radzen.Blazor/Radzen.Blazor.js"></script>
            <script nonce="{{nonce}}">
              // The editors define window.editorHotkeys in a <script> they render, which Blazor never runs; provide it here:
              // Ctrl/Cmd+S saves, Ctrl/Cmd+Shift+S saves as, Ctrl/Cmd+R runs, each only where the component has that handler.
              window.editorHotkeys = {
                handlers: new Map(),
                register(ref) {
                  const handler = e => {
                    if (!(e.ctrlKey || e.metaKey)) return;
                    const key = e.key.toLowerCase();
                    const method = key === 's' ? (e.shiftKey ? 'OnHotKeysCtrlShiftS' : 'OnHotKeysCtrlS') : key === 'r' && !e.shiftKey ? 'OnHotKeysCtrlR' : null;
                    if (!method) return;
                    e.preventDefault();
                    ref.invokeMethodAsync(method).catch(() => {});
                  };
                  window.addEventListener('keydown', handler);
                  this.handlers.set(ref, handler);
                },
                dispose(ref) {
                  const handler = this.handlers.get(ref);
                  if (handler) window.removeEventListener('keydown', handler);
                  this.handlers.delete(ref);
                }
              };
            </script>
            <script src="_framework/blazor.webassembly.js"></script>
            <script nonce="{{nonce}}">
              // A property set before the element is defined is overwritten by its constructor; set it afterwards.
              function whenDefined(name, set) { customElements.whenDefined(name).then(() => set(document.querySelector(name))); }
              {{script}}
            </script>
            </body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }
}
