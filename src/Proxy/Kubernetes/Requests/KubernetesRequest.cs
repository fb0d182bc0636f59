namespace TicketGate.Proxy.Kubernetes.Requests;

/// <summary>
/// A request to the Kubernetes API as the API server understands it (its RequestInfo): the verb the authorizer would see, and
/// for resource requests the group, version, resource, subresource, namespace and name. Built by <see cref="KubernetesRequestParser"/>.
/// </summary>
public sealed record KubernetesRequest
{
    /// <summary>get, list, watch, create, update, patch, delete, deletecollection for resources; the lower-case method otherwise.</summary>
    public required string Verb { get; init; }
    /// <summary>False for /version, discovery (/api, /apis/apps/v1), /openapi and other non-resource paths.</summary>
    public required bool IsResourceRequest { get; init; }
    /// <summary>The path as requested (no query).</summary>
    public required string Path { get; init; }
    /// <summary>The API group ("" for the core group).</summary>
    public string ApiGroup { get; init; } = "";
    public string ApiVersion { get; init; } = "";
    public string Resource { get; init; } = "";
    public string Subresource { get; init; } = "";
    /// <summary>The namespace; for the namespaces resource itself, the namespace named (as the API server does).</summary>
    public string Namespace { get; init; } = "";
    public string Name { get; init; } = "";
    /// <summary>dryRun=All: the API server validates and answers, but persists nothing.</summary>
    public bool DryRun { get; init; }
    /// <summary>The command of an exec (its <c>command=</c> query parameters, in order).</summary>
    public IReadOnlyList<string> Command { get; init; } = [];
    public string? Container { get; init; }

    public bool IsExecLike => Subresource is "exec" or "attach" or "portforward";

    /// <summary>"pods/exec", "deployments.apps", "namespaces": the resource as policies and approvers name it.</summary>
    public string QualifiedResource =>
        (ApiGroup.Length == 0 ? Resource : $"{Resource}.{ApiGroup}") + (Subresource.Length == 0 ? "" : "/" + Subresource);

    /// <summary>What the approver reads first: "delete namespaces prod", "exec pods/web-0 in namespace default: rm -rf /data".</summary>
    public string Summary
    {
        get
        {
            if (!IsResourceRequest) return $"{Verb} {Path}";
            var where = Namespace.Length == 0 || Resource == "namespaces" ? "" : $" in namespace {Namespace}";
            if (IsExecLike) return $"{Subresource} {Resource}/{Name}{where}" + (Command.Count == 0 ? "" : ": " + string.Join(' ', Command));
            var target = Name.Length == 0 ? QualifiedResource : $"{QualifiedResource} {Name}";
            var command = Command.Count == 0 ? "" : ": " + string.Join(' ', Command);
            return $"{Verb} {target}{where}{command}";
        }
    }
}
