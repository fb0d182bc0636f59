using Microsoft.AspNetCore.Http;

namespace TicketGate.Proxy.Kubernetes.Requests;

/// <summary>
/// Reads the method, path and query of an API request the way the API server's RequestInfoFactory does, so a policy sees
/// the same verb and resource the cluster's own authorizer would.
/// </summary>
public static class KubernetesRequestParser
{
    public static KubernetesRequest Parse(string method, string path, IQueryCollection query)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.None);
        var nonResource = new KubernetesRequest { Verb = method.ToLowerInvariant(), IsResourceRequest = false, Path = path };

        // /api/VERSION/... is the core group; /apis/GROUP/VERSION/... the named ones. Shorter paths are discovery.
        int index;
        string group;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            group = "";
            index = 1;
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            group = parts[1];
            index = 2;
        }
        else
        {
            return nonResource;
        }
        var version = parts[index];
        var rest = parts.AsSpan(index + 1);

        string verb;
        var legacyWatch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            // The deprecated /watch/ prefix.
            legacyWatch = true;
            rest = rest[1..];
            verb = "watch";
        }
        else
        {
            verb = method.ToUpperInvariant() switch
            {
                "GET" or "HEAD" => "get",
                "POST" => "create",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => method.ToLowerInvariant(),
            };
        }
        if (rest.Length == 0) return nonResource;

        var ns = "";
        if (rest[0] == "namespaces")
        {
            if (rest.Length > 1)
            {
                ns = rest[1];
                // namespaces/NAME/status and /finalize are subresources of the namespace, anything else a resource inside it.
                if (rest.Length > 2 && rest[2] is not ("status" or "finalize")) rest = rest[2..];
            }
        }

        var resource = rest[0];
        var name = rest.Length >= 2 ? rest[1] : "";
        var subresource = rest.Length >= 3 ? rest[2] : "";
        if (rest.Length == 1)
        {
            if (verb == "get") verb = "list";
            else if (verb == "delete") verb = "deletecollection";
        }
        if (!legacyWatch && verb is "list" or "get" && IsTrue(query["watch"]))
        {
            verb = "watch";
        }

        var dryRun = false;
        foreach (var value in query["dryRun"])
        {
            if (value == "All") dryRun = true;
        }

        return new KubernetesRequest
        {
            Verb = verb,
            IsResourceRequest = true,
            Path = path,
            ApiGroup = group,
            ApiVersion = version,
            Resource = resource,
            Subresource = subresource,
            Namespace = ns,
            Name = name,
            DryRun = dryRun,
            Command = subresource is "exec" ? [.. query["command"].Select(c => c ?? "")] : [],
            Container = query["container"].FirstOrDefault(),
        };
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var value in values)
        {
            if (value is "1" or "true" or "True") return true;
        }
        return false;
    }
}
