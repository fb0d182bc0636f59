namespace TicketGate.Workflows.Runtime;

/// <summary>
/// Decides what runs next when a node completes (contract §7.1, counter-based mode): marks its outbound connections
/// visited (and followed when their port is among the outcomes), then asks each target whether it may run, must be
/// skipped (all inbound visited, none followed — the skip ripples on), or waits. Joins follow their mode; back edges
/// re-run their loop directly. State lives in <see cref="FlowchartState"/> so it survives persistence.
/// </summary>
internal sealed class FlowchartWalker(CompiledWorkflow workflow, FlowchartState state)
{
    private FlowchartGraph Graph => workflow.Graph;

    /// <summary>Marks a node as started outside of a connection (the start node, a loop head).</summary>
    public void MarkStarted(string nodeId) => state.Decided.Add(nodeId);

    /// <summary>
    /// Propagates a completion. <paramref name="outcomes"/> null means the node was skipped or cancelled: its connections
    /// are visited but not followed. Nodes to run are added to <paramref name="run"/>; nodes whose WaitAny join fired and
    /// whose other feeding nodes must stop are added to <paramref name="cancelAncestorsOf"/>.
    /// </summary>
    public void Complete(string nodeId, IReadOnlyList<string>? outcomes, List<(string Target, string Source)> run, List<string> cancelAncestorsOf)
    {
        var loopHeads = new List<string>();
        var pending = new Stack<(string Node, IReadOnlyList<string>? Outcomes)>();
        pending.Push((nodeId, outcomes));
        while (pending.Count > 0)
        {
            var (source, followedPorts) = pending.Pop();
            foreach (var index in Graph.Outbound(source))
            {
                var connection = Graph.Connections[index];
                var followed = followedPorts is not null && Contains(followedPorts, connection.Source.PortOrDefault);
                var target = connection.Target.Activity;
                if (Graph.IsBackward(index))
                {
                    if (followed)
                    {
                        loopHeads.Add(target);
                        run.Add((target, source));
                    }
                    continue;
                }
                state.Visited.Add(index);
                if (followed) state.Followed.Add(index);
                switch (Decide(target))
                {
                    case Decision.Run:
                        state.Decided.Add(target);
                        run.Add((target, source));
                        if (workflow.Find(target)?.JoinMode == JoinMode.WaitAny && Graph.ForwardInbound(target).Count > 1)
                        {
                            cancelAncestorsOf.Add(target);
                        }
                        break;
                    case Decision.Skip:
                        state.Decided.Add(target);
                        pending.Push((target, null));
                        break;
                }
            }
        }
        // Only after the skips of this pass rippled out: the loop's exit paths were "not taken" in this iteration
        // only, so the body starts fresh for the next one.
        foreach (var head in loopHeads)
        {
            ResetLoop(head);
            state.Decided.Add(head);
        }
    }

    private Decision Decide(string target)
    {
        if (state.Decided.Contains(target)) return Decision.Wait;
        var inbound = Graph.ForwardInbound(target);
        int visited = 0, followed = 0;
        foreach (var index in inbound)
        {
            if (state.Visited.Contains(index)) visited++;
            if (state.Followed.Contains(index)) followed++;
        }
        var allVisited = visited == inbound.Count;
        var mode = inbound.Count > 1 ? workflow.Find(target)?.JoinMode ?? JoinMode.WaitAllActive : JoinMode.WaitAllActive;
        return mode switch
        {
            JoinMode.WaitAny when followed > 0 => Decision.Run,
            JoinMode.WaitAll when allVisited => followed == inbound.Count ? Decision.Run : Decision.Skip,
            JoinMode.WaitAllActive when allVisited => followed > 0 ? Decision.Run : Decision.Skip,
            _ when allVisited => Decision.Skip,
            _ => Decision.Wait,
        };
    }

    /// <summary>A back edge re-enters a loop: the loop body's nodes and connections start fresh.</summary>
    private void ResetLoop(string head)
    {
        var body = new HashSet<string>(Graph.LoopBody(head), StringComparer.Ordinal);
        foreach (var node in body) state.Decided.Remove(node);
        for (var i = 0; i < Graph.Connections.Count; i++)
        {
            if (!Graph.IsBackward(i) && body.Contains(Graph.Connections[i].Target.Activity))
            {
                state.Visited.Remove(i);
                state.Followed.Remove(i);
            }
        }
    }

    private static bool Contains(IReadOnlyList<string> values, string value)
    {
        foreach (var candidate in values)
        {
            if (string.Equals(candidate, value, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private enum Decision
    {
        Wait,
        Run,
        Skip,
    }
}
