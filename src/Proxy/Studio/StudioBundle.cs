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
    // Relative path → length, listed once: requests never touch the file system until the (asynchronous) send.
    private readonly Dictionary<string, long> files = new(StringComparer.Ordinal);

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
        if (!Directory.Exists(root)) return;
        foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(root, file.FullName).Replace(Path.DirectorySeparatorChar, '/')] = file.Length;
        }
    }

    public string Root => root;

    public bool IsInstalled => files.ContainsKey("_framework/blazor.webassembly.js");

    /// <summary>Serves <paramref name="relativePath"/> if the bundle lists it (so nothing outside it); false when it doesn't.</summary>
    public async Task<bool> TryServeAsync(HttpContext http, string relativePath)
    {
        if (!files.TryGetValue(relativePath, out var length)) return false;
        if (!types.TryGetContentType(relativePath, out var contentType)) contentType = "application/octet-stream";

        var served = relativePath;
        string? encoding = null;
        var accepted = http.Request.Headers.AcceptEncoding.ToString();
        if (!relativePath.EndsWith(".br", StringComparison.Ordinal) && !relativePath.EndsWith(".gz", StringComparison.Ordinal))
        {
            if (accepted.Contains("br", StringComparison.OrdinalIgnoreCase) && files.TryGetValue(relativePath + ".br", out var brotli))
            {
                (served, encoding, length) = (relativePath + ".br", "br", brotli);
            }
            else if (accepted.Contains("gzip", StringComparison.OrdinalIgnoreCase) && files.TryGetValue(relativePath + ".gz", out var gzip))
            {
                (served, encoding, length) = (relativePath + ".gz", "gzip", gzip);
            }
        }
        var response = http.Response;
        response.ContentType = contentType;
        if (encoding is not null) response.Headers.ContentEncoding = encoding;
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        // _framework names carry a content hash (but for the two loaders); everything else may change with a package upgrade.
        response.Headers.CacheControl = relativePath.StartsWith("_framework/", StringComparison.Ordinal) && relativePath is not ("_framework/blazor.webassembly.js" or "_framework/dotnet.js")
            ? "private, max-age=86400" : "no-cache";
        response.ContentLength = length;
        if (HttpMethods.IsHead(http.Request.Method)) return true;
        await response.SendFileAsync(Path.Combine(root, served), 0, length, http.RequestAborted).ConfigureAwait(false);
        return true;
    }
}
