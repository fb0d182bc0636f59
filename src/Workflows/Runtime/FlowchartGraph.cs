using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Runtime;

/// <summary>
/// The connection graph of a flowchart, analysed once: outbound and inbound connections per node, which
/// connections point backwards (loops: the target dominates the source, so every path from the start to the source
/// passes through the target), the loop body of each loop head, and each node's forward ancestors.
/// </summary>
internal sealed class FlowchartGraph
{
    private static readonly int[] None = [];
    private readonly Dictionary<string, List<int>> outbound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> inbound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> forwardInbound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> dominators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> ancestors = new(StringComparer.Ordinal);
    private readonly bool[] backward;

    public FlowchartGraph(IReadOnlyList<Connection> connections, string? startId)
    {
        Connections = connections;
        for (var i = 0; i < connections.Count; i++)
        {
            Add(outbound, connections[i].Source.Activity, i);
            Add(inbound, connections[i].Target.Activity, i);
        }
        ComputeDominators(startId);
        backward = new bool[connections.Count];
        for (var i = 0; i < connections.Count; i++)
        {
            var source = connections[i].Source.Activity;
            var target = connections[i].Target.Activity;
            backward[i] = source == target || (dominators.TryGetValue(source, out var doms) && doms.Contains(target));
            if (!backward[i]) Add(forwardInbound, target, i);
        }
    }

    public IReadOnlyList<Connection> Connections { get; }

    public IReadOnlyList<int> Outbound(string nodeId) => outbound.TryGetValue(nodeId, out var list) ? list : None;

    public IReadOnlyList<int> AllInbound(string nodeId) => inbound.TryGetValue(nodeId, out var list) ? list : None;

    /// <summary>Inbound connections that count for joins (back edges are scheduled directly).</summary>
    public IReadOnlyList<int> ForwardInbound(string nodeId) => forwardInbound.TryGetValue(nodeId, out var list) ? list : None;

    public bool IsBackward(int connection) => backward[connection];

    /// <summary>The nodes a loop re-runs when a back edge reaches <paramref name="head"/>: those it dominates.</summary>
    public IEnumerable<string> LoopBody(string head)
    {
        foreach (var (node, doms) in dominators)
        {
            if (doms.Contains(head)) yield return node;
        }
    }

    /// <summary>Every node with a forward path to <paramref name="nodeId"/>.</summary>
    public IReadOnlySet<string> Ancestors(string nodeId)
    {
        lock (ancestors)
        {
            if (ancestors.TryGetValue(nodeId, out var known)) return known;
            var result = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>();
            pending.Push(nodeId);
            while (pending.Count > 0)
            {
                foreach (var index in ForwardInbound(pending.Pop()))
                {
                    var source = Connections[index].Source.Activity;
                    if (result.Add(source)) pending.Push(source);
                }
            }
            ancestors[nodeId] = result;
            return result;
        }
    }

    // Iterative dominator sets; flowcharts are small, so clarity beats the Lengauer–Tarjan algorithm here.
    private void ComputeDominators(string? startId)
    {
        if (startId is null) return;
        var reachable = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { startId };
        var queue = new Queue<string>();
        queue.Enqueue(startId);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            reachable.Add(node);
            foreach (var index in Outbound(node))
            {
                var target = Connections[index].Target.Activity;
                if (seen.Add(target)) queue.Enqueue(target);
            }
        }
        foreach (var node in reachable)
        {
            dominators[node] = node == startId ? [node] : new HashSet<string>(reachable, StringComparer.Ordinal);
        }
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var node in reachable)
            {
                if (node == startId) continue;
                HashSet<string>? meet = null;
                foreach (var index in AllInbound(node))
                {
                    if (!dominators.TryGetValue(Connections[index].Source.Activity, out var predecessor)) continue;
                    if (meet is null) meet = new HashSet<string>(predecessor, StringComparer.Ordinal);
                    else meet.IntersectWith(predecessor);
                }
                meet ??= [];
                meet.Add(node);
                if (!meet.SetEquals(dominators[node]))
                {
                    dominators[node] = meet;
                    changed = true;
                }
            }
        }
    }

    private static void Add(Dictionary<string, List<int>> map, string key, int index)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(index);
    }
}
