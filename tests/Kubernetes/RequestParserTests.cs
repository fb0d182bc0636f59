using Microsoft.AspNetCore.Http;
using TicketGate.Proxy.Kubernetes.Requests;

namespace TicketGate.Tests.Kubernetes;

/// <summary>Requests read the way the API server's RequestInfoFactory reads them.</summary>
public sealed class RequestParserTests
{
    private static KubernetesRequest Parse(string method, string pathAndQuery)
    {
        var parts = pathAndQuery.Split('?', 2);
        return KubernetesRequestParser.Parse(method, parts[0], new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(parts.Length > 1 ? parts[1] : "")));
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/default/pods?limit=500", "list", "", "pods", "", "default", "")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/web-0", "get", "", "pods", "", "default", "web-0")]
    [InlineData("GET", "/api/v1/namespaces/default/pods?watch=1&resourceVersion=5", "watch", "", "pods", "", "default", "")]
    [InlineData("GET", "/api/v1/watch/namespaces/default/pods", "watch", "", "pods", "", "default", "")]
    [InlineData("GET", "/api/v1/pods", "list", "", "pods", "", "", "")]
    [InlineData("DELETE", "/api/v1/namespaces/prod", "delete", "", "namespaces", "", "prod", "prod")]
    [InlineData("PUT", "/api/v1/namespaces/prod/finalize", "update", "", "namespaces", "finalize", "prod", "prod")]
    [InlineData("DELETE", "/apis/apps/v1/namespaces/shop/deployments", "deletecollection", "apps", "deployments", "", "shop", "")]
    [InlineData("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web", "patch", "apps", "deployments", "", "shop", "web")]
    [InlineData("PUT", "/apis/apps/v1/namespaces/shop/deployments/web/scale", "update", "apps", "deployments", "scale", "shop", "web")]
    [InlineData("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "", "")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/web-0/log?follow=true", "get", "", "pods", "log", "default", "web-0")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/web-0/exec?command=ls", "get", "", "pods", "exec", "default", "web-0")]
    public void Resource_requests_get_the_api_servers_verb_and_attributes(string method, string path, string verb, string group, string resource,
        string subresource, string ns, string name)
    {
        var request = Parse(method, path);

        Assert.True(request.IsResourceRequest);
        Assert.Equal((verb, group, resource, subresource, ns, name),
            (request.Verb, request.ApiGroup, request.Resource, request.Subresource, request.Namespace, request.Name));
    }

    [Theory]
    [InlineData("/version")]
    [InlineData("/api")]
    [InlineData("/api/v1")]
    [InlineData("/apis")]
    [InlineData("/apis/apps/v1")]
    [InlineData("/openapi/v3")]
    public void Discovery_paths_are_non_resource_requests(string path)
    {
        var request = Parse("GET", path);

        Assert.False(request.IsResourceRequest);
        Assert.Equal("get", request.Verb);
    }

    [Fact]
    public void Exec_command_comes_from_the_command_parameters_in_order()
    {
        var request = Parse("GET", "/api/v1/namespaces/default/pods/web-0/exec?command=rm&command=-rf&command=%2Fdata&container=app&stderr=true&stdout=true");

        Assert.Equal(["rm", "-rf", "/data"], request.Command);
        Assert.Equal("app", request.Container);
        Assert.True(request.IsExecLike);
        Assert.Equal("exec pods/web-0 in namespace default: rm -rf /data", request.Summary);
    }

    [Fact]
    public void Only_dry_run_all_counts_as_a_dry_run()
    {
        Assert.True(Parse("POST", "/api/v1/namespaces/default/configmaps?dryRun=All").DryRun);
        Assert.False(Parse("POST", "/api/v1/namespaces/default/configmaps?dryRun=None").DryRun);
        Assert.False(Parse("POST", "/api/v1/namespaces/default/configmaps").DryRun);
    }
}
