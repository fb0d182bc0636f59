using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace TicketGate.Tests.Fakes.Kubernetes;

/// <summary>A resource path the fake serves: /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]] or /apis/apps/v1/….</summary>
internal readonly record struct ResourcePath(string Resource, string Namespace, string Name, string Subresource)
{
    public static readonly Dictionary<string, (string ApiVersion, string Kind, bool Namespaced)> Kinds = new()
    {
        ["namespaces"] = ("v1", "Namespace", false),
        ["pods"] = ("v1", "Pod", true),
        ["configmaps"] = ("v1", "ConfigMap", true),
        ["deployments"] = ("apps/v1", "Deployment", true),
    };

    public static bool TryParse(string path, out ResourcePath result)
    {
        result = default;
        var parts = path.Trim('/').Split('/');
        int start;
        if (parts.Length >= 3 && parts[0] == "api" && parts[1] == "v1") start = 2;
        else if (parts.Length >= 4 && parts[0] == "apis" && parts[1] == "apps" && parts[2] == "v1") start = 3;
        else return false;
        var rest = parts[start..];
        var ns = "";
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            ns = rest[1];
            rest = rest[2..];
        }
        if (rest.Length is 0 or > 3 || !Kinds.ContainsKey(rest[0])) return false;
        result = new ResourcePath(rest[0], ns, rest.Length > 1 ? rest[1] : "", rest.Length > 2 ? rest[2] : "");
        return true;
    }
}

public sealed partial class FakeApiServer
{
    private readonly Lock _storeLock = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<(string Resource, string Namespace, Channel<string> Events)> _watchers = [];
    private long _resourceVersion = 100;

    /// <summary>Puts an object straight into the store (as if another client had created it); watchers see ADDED.</summary>
    public void Seed(string resource, string ns, string name, JsonObject? spec = null, JsonObject? status = null)
    {
        var (apiVersion, kind, namespaced) = ResourcePath.Kinds[resource];
        var item = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = name },
        };
        if (namespaced) item["metadata"]!["namespace"] = ns;
        if (spec is not null) item["spec"] = spec;
        if (status is not null) item["status"] = status;
        lock (_storeLock) Store(resource, namespaced ? ns : "", name, item, "ADDED");
    }

    /// <summary>A pod with one container "app", running.</summary>
    public void SeedPod(string ns, string name) =>
        Seed("pods", ns, name, new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "busybox" }) },
            new JsonObject { ["phase"] = "Running" });

    public bool Exists(string resource, string ns, string name)
    {
        lock (_storeLock) return _objects.ContainsKey(Key(resource, ns, name));
    }

    public JsonObject? Get(string resource, string ns, string name)
    {
        lock (_storeLock) return _objects.TryGetValue(Key(resource, ns, name), out var item) ? (JsonObject)item.DeepClone() : null;
    }

    private static string Key(string resource, string ns, string name) => $"{resource}/{ns}/{name}";

    private async Task ServeResourceAsync(HttpContext context, ResourcePath path)
    {
        var (apiVersion, kind, namespaced) = ResourcePath.Kinds[path.Resource];
        var ns = namespaced ? path.Namespace : "";
        if (path.Resource == "pods" && path.Subresource == "log")
        {
            await ServeLogAsync(context, path);
            return;
        }
        if (path.Resource == "pods" && path.Subresource == "exec")
        {
            await ServeExecAsync(context, path);
            return;
        }
        if (path.Subresource.Length > 0)
        {
            await StatusAsync(context, 404, "NotFound", $"the fake serves no {path.Resource}/{path.Subresource}");
            return;
        }
        var method = context.Request.Method;
        if (path.Name.Length == 0 && method == "GET")
        {
            if (context.Request.Query["watch"] is var watch && (watch == "1" || watch == "true"))
            {
                await WatchAsync(context, path.Resource, ns);
                return;
            }
            await JsonAsync(context, 200, List(path.Resource, ns, apiVersion, kind).ToJsonString());
            return;
        }

        var body = method is "POST" or "PUT" or "PATCH" or "DELETE" ? await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync() : "";
        int code;
        JsonObject answer;
        lock (_storeLock)
        {
            (code, answer) = method switch
            {
                "GET" => _objects.TryGetValue(Key(path.Resource, ns, path.Name), out var found)
                    ? (200, found)
                    : (404, NotFound(path.Resource, path.Name)),
                "POST" => Create(path.Resource, ns, kind, apiVersion, namespaced, body, context.Request.Query["dryRun"] == "All"),
                "PUT" => Replace(path.Resource, ns, path.Name, body),
                "PATCH" => Patch(path.Resource, ns, path.Name, body, context.Request.ContentType ?? ""),
                "DELETE" => Delete(path.Resource, ns, path.Name, body.Contains("\"dryRun\":[\"All\"]", StringComparison.Ordinal)),
                _ => (405, NotFound(path.Resource, path.Name)),
            };
            answer = (JsonObject)answer.DeepClone();
        }
        await JsonAsync(context, code, answer.ToJsonString());
    }

    private JsonObject List(string resource, string ns, string apiVersion, string kind)
    {
        var items = new JsonArray();
        lock (_storeLock)
        {
            foreach (var (key, item) in _objects.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                var parts = key.Split('/');
                if (parts[0] == resource && (ns.Length == 0 || parts[1] == ns)) items.Add(item.DeepClone());
            }
            return new JsonObject
            {
                ["apiVersion"] = apiVersion,
                ["kind"] = kind + "List",
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                ["items"] = items,
            };
        }
    }

    private (int, JsonObject) Create(string resource, string ns, string kind, string apiVersion, bool namespaced, string body, bool dryRun)
    {
        var item = JsonNode.Parse(body) as JsonObject ?? new JsonObject();
        var name = item["metadata"]?["name"]?.GetValue<string>() ?? "";
        if (name.Length == 0) return (422, StatusObject(422, "Invalid", "metadata.name: Required value"));
        if (_objects.ContainsKey(Key(resource, namespaced ? ns : "", name))) return (409, StatusObject(409, "AlreadyExists", $"{resource} \"{name}\" already exists"));
        item["apiVersion"] = apiVersion;
        item["kind"] = kind;
        if (namespaced) item["metadata"]!["namespace"] = ns;
        if (dryRun) return (201, item);
        Store(resource, namespaced ? ns : "", name, item, "ADDED");
        return (201, item);
    }

    private (int, JsonObject) Replace(string resource, string ns, string name, string body)
    {
        if (!_objects.ContainsKey(Key(resource, ns, name))) return (404, NotFound(resource, name));
        var item = JsonNode.Parse(body) as JsonObject ?? new JsonObject();
        Store(resource, ns, name, item, "MODIFIED");
        return (200, item);
    }

    private (int, JsonObject) Patch(string resource, string ns, string name, string body, string contentType)
    {
        if (!_objects.TryGetValue(Key(resource, ns, name), out var current)) return (404, NotFound(resource, name));
        if (!contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal)
            && !contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
        {
            return (415, StatusObject(415, "UnsupportedMediaType", $"the fake applies merge patches only, not {contentType}"));
        }
        var patched = (JsonObject)current.DeepClone();
        Merge(patched, JsonNode.Parse(body) as JsonObject ?? new JsonObject());
        Store(resource, ns, name, patched, "MODIFIED");
        return (200, patched);
    }

    private (int, JsonObject) Delete(string resource, string ns, string name, bool dryRun)
    {
        var key = Key(resource, ns, name);
        if (dryRun) return _objects.TryGetValue(key, out var existing) ? (200, existing) : (404, NotFound(resource, name));
        if (!_objects.Remove(key, out var item)) return (404, NotFound(resource, name));
        _resourceVersion++;
        Publish(resource, ns, "DELETED", item);
        return (200, item);
    }

    private void Store(string resource, string ns, string name, JsonObject item, string eventType)
    {
        _resourceVersion++;
        var metadata = item["metadata"] as JsonObject ?? new JsonObject();
        item["metadata"] = metadata;
        metadata["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        metadata["uid"] ??= Guid.NewGuid().ToString();
        metadata["creationTimestamp"] ??= DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (metadata["generation"] is null) metadata["generation"] = 1;
        _objects[Key(resource, ns, name)] = item;
        Publish(resource, ns, eventType, item);
    }

    private void Publish(string resource, string ns, string type, JsonObject item)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = item.DeepClone() }.ToJsonString() + "\n";
        foreach (var watcher in _watchers)
        {
            if (watcher.Resource == resource && (watcher.Namespace.Length == 0 || watcher.Namespace == ns)) watcher.Events.Writer.TryWrite(line);
        }
    }

    private async Task WatchAsync(HttpContext context, string resource, string ns)
    {
        var events = Channel.CreateUnbounded<string>();
        var entry = (resource, ns, events);
        lock (_storeLock) _watchers.Add(entry);
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await foreach (var line in events.Reader.ReadAllAsync(context.RequestAborted))
            {
                await context.Response.WriteAsync(line, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The watcher left.
        }
        finally
        {
            lock (_storeLock) _watchers.Remove(entry);
        }
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null) target.Remove(key);
            else if (value is JsonObject child && target[key] is JsonObject existing) Merge(existing, child);
            else target[key] = value.DeepClone();
        }
    }

    private static JsonObject NotFound(string resource, string name) =>
        StatusObject(404, "NotFound", $"{resource} \"{name}\" not found", new JsonObject { ["name"] = name, ["kind"] = resource });

    private static JsonObject StatusObject(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (details is not null) status["details"] = details;
        return status;
    }
}
