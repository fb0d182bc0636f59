using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace TicketGate.Proxy.Studio;

/// <summary>
/// Serves the npm package's files byte for byte under /studio (the boot config pins their sha256): the Blazor MIME types
/// (.wasm, .dat, .blat, .webmanifest) and the precompressed .br/.gz siblings with Content-Encoding when the browser takes them.
/// </summary>
internal sealed class StudioBundle
{
    private readonly string root;
    private readonly FileExtensionContentTypeProvider types = new();

    public StudioBundle(string directory)
    {
        root = Path.GetFullPath(directory);
        types.Mappings[".wasm"] = "application/wasm";
        types.Mappings[".dat"] = "application/octet-stream";
        types.Mappings[".blat"] = "application/octet-stream";
        types.Mappings[".webmanifest"] = "application/manifest+json";
        types.Mappings[".json"] = "application/json";
        types.Mappings[".js"] = "text/javascript";
        types.Mappings[".mjs"] = "text/javascript";
    }

    public string Root => root;

    public bool IsInstalled => Directory.Exists(Path.Combine(root, "_framework"));

    /// <summary>Serves <paramref name="relativePath"/> if the bundle has it (never outside the bundle); false when it doesn't.</summary>
    public async Task<bool> TryServeAsync(HttpContext http, string relativePath)
    {
        if (relativePath.Length == 0 || relativePath.Contains("..", StringComparison.Ordinal) || relativePath.Contains('\\')) return false;
        var path = Path.GetFullPath(Path.Combine(root, relativePath));
        if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path)) return false;
        if (!types.TryGetContentType(path, out var contentType)) contentType = "application/octet-stream";

        var served = path;
        string? encoding = null;
        var accepted = http.Request.Headers.AcceptEncoding.ToString();
        if (!path.EndsWith(".br", StringComparison.Ordinal) && !path.EndsWith(".gz", StringComparison.Ordinal))
        {
            if (accepted.Contains("br", StringComparison.OrdinalIgnoreCase) && File.Exists(path + ".br")) (served, encoding) = (path + ".br", "br");
            else if (accepted.Contains("gzip", StringComparison.OrdinalIgnoreCase) && File.Exists(path + ".gz")) (served, encoding) = (path + ".gz", "gzip");
        }
        var response = http.Response;
        response.ContentType = contentType;
        if (encoding is not null) response.Headers.ContentEncoding = encoding;
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        // _framework names carry a content hash; everything else may change with a package upgrade.
        response.Headers.CacheControl = relativePath.StartsWith("_framework/", StringComparison.Ordinal) && relativePath.Count(c => c == '.') >= 2
            ? "private, max-age=86400" : "no-cache";
        var length = new FileInfo(served).Length;
        response.ContentLength = length;
        if (HttpMethods.IsHead(http.Request.Method)) return true;
        await response.SendFileAsync(served, 0, length, http.RequestAborted).ConfigureAwait(false);
        return true;
    }
}
