using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Kubernetes.Requests;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>A <see cref="KubernetesRuleDefinition"/> compiled for evaluation: globs parsed, sets built.</summary>
internal sealed class KubernetesPolicyRule
{
    private readonly NameGlob[] _clusters;
    private readonly KeyValuePair<string, string>[] _tags;
    private readonly HashSet<string>? _groups;
    private readonly NameGlob[] _namespaces;
    private readonly HashSet<string>? _apiGroups;
    private readonly NameGlob[] _resources;
    private readonly HashSet<string>? _subresources;
    private readonly HashSet<string>? _verbs;
    private readonly NameGlob[] _commands;

    public KubernetesPolicyRule(KubernetesRuleDefinition definition)
    {
        Name = definition.Name;
        Tier = definition.Tier;
        _clusters = [.. definition.Clusters.Select(c => new NameGlob(c))];
        _tags = [.. definition.Tags];
        _groups = SetOf(definition.Groups);
        _namespaces = [.. definition.Namespaces.Select(n => new NameGlob(n))];
        _apiGroups = SetOf(definition.ApiGroups.Select(g => g == "core" ? "" : g).ToList());
        _resources = [.. definition.Resources.Select(r => new NameGlob(r))];
        _subresources = SetOf(definition.Subresources);
        _verbs = SetOf(definition.Verbs);
        _commands = [.. definition.Commands.Select(c => new NameGlob(c))];
    }

    public string Name { get; }
    public RiskTier Tier { get; }

    public bool Matches(KubernetesClusterDefinition cluster, IReadOnlyList<string> identityGroups, KubernetesRequest request, string commandLine)
    {
        if (_verbs is not null && !_verbs.Contains(request.Verb)) return false;
        if (_subresources is not null && !_subresources.Contains(request.Subresource)) return false;
        if (_apiGroups is not null && !_apiGroups.Contains(request.ApiGroup)) return false;
        if (!AnyMatch(_resources, request.Resource)) return false;
        if (_namespaces.Length > 0 && (request.Namespace.Length == 0 || !AnyMatch(_namespaces, request.Namespace))) return false;
        if (_commands.Length > 0 && (request.Command.Count == 0 || !AnyMatch(_commands, commandLine))) return false;
        if (!AnyMatch(_clusters, cluster.Name)) return false;
        for (var i = 0; i < _tags.Length; i++)
        {
            if (!cluster.Tags.TryGetValue(_tags[i].Key, out var value) || !string.Equals(value, _tags[i].Value, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        if (_groups is not null)
        {
            for (var i = 0; i < identityGroups.Count; i++)
            {
                if (_groups.Contains(identityGroups[i])) return true;
            }
            return false;
        }
        return true;
    }

    private static bool AnyMatch(NameGlob[] globs, string value)
    {
        if (globs.Length == 0) return true;
        for (var i = 0; i < globs.Length; i++)
        {
            if (globs[i].IsMatch(value)) return true;
        }
        return false;
    }

    private static HashSet<string>? SetOf(IReadOnlyList<string> values) =>
        values.Count == 0 ? null : new HashSet<string>(values, StringComparer.Ordinal);
}
