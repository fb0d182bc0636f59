using System.Text;

namespace TicketGate.Proxy.Configuration;

/// <summary>One thing wrong in a config or policy file, located by key path and, when known, line and column.</summary>
/// <param name="KeyPath">Dotted path of the key, e.g. "connections.shop-prod.port" or "policy.rules[2].tier"; empty for the whole document.</param>
/// <param name="Line">1-based line, or 0 when unknown.</param>
/// <param name="Column">1-based column, or 0 when unknown.</param>
/// <param name="Message">What is wrong and, where it helps, what to write instead.</param>
public sealed record ConfigurationProblem(string KeyPath, int Line, int Column, string Message)
{
    public override string ToString()
    {
        var where = KeyPath.Length == 0 ? "" : KeyPath;
        if (Line > 0) where = where.Length == 0 ? $"line {Line}, column {Column}" : $"{where} (line {Line}, column {Column})";
        return where.Length == 0 ? Message : $"{where}: {Message}";
    }
}

/// <summary>
/// A config or policy file is unusable. Every problem found is listed, so one run shows all of them;
/// the CLI prints <see cref="Exception.Message"/> and exits with code 2.
/// </summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(string sourceName, IReadOnlyList<ConfigurationProblem> problems)
        : base(Describe(sourceName, problems))
    {
        SourceName = sourceName;
        Problems = problems;
    }

    /// <summary>The file path, or the name given to <c>LoadFromYaml</c>.</summary>
    public string SourceName { get; }
    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    private static string Describe(string sourceName, IReadOnlyList<ConfigurationProblem> problems)
    {
        if (problems.Count == 1) return $"{sourceName}: {problems[0]}";
        var text = new StringBuilder($"{sourceName}: {problems.Count} problems:");
        foreach (var p in problems) text.Append("\n  ").Append(p);
        return text.ToString();
    }
}
