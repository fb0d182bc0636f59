using System.Globalization;
using TicketGate.Workflows.Approvals;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TicketGate.Proxy.Configuration;

/// <summary>
/// Reads one YAML mapping of a config or policy file with typed accessors. Problems are collected, not thrown,
/// so a run reports all of them; every key read is remembered so <see cref="RejectUnknownKeys"/> can flag typos.
/// Accessors return null when the value is absent or wrong (the problem is recorded).
/// </summary>
internal sealed class YamlSection
{
    private readonly YamlMappingNode node;
    private readonly List<string> knownKeys = [];

    private YamlSection(YamlMappingNode node, string path, List<ConfigurationProblem> problems, string baseDirectory)
    {
        this.node = node;
        Path = path;
        Problems = problems;
        BaseDirectory = baseDirectory;
    }

    public string Path { get; }
    public List<ConfigurationProblem> Problems { get; }
    /// <summary>Relative file paths in the file are resolved against this folder (the config file's).</summary>
    public string BaseDirectory { get; }

    /// <summary>Parses a whole document whose root must be a mapping; null (with a problem recorded) when it isn't.</summary>
    public static YamlSection? ParseDocument(string yaml, string baseDirectory, List<ConfigurationProblem> problems)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            problems.Add(new ConfigurationProblem("", (int)e.Start.Line, (int)e.Start.Column, $"not valid YAML: {StripLocation(e.Message)}"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails some malformed input without a location; the last event it read is close by.
            var at = parser.Current?.End;
            problems.Add(new ConfigurationProblem("", (int)(at?.Line ?? 0), (int)(at?.Column ?? 0),
                "not valid YAML near here; look for an unclosed bracket, brace or quote"));
            return null;
        }
        if (stream.Documents.Count == 0)
        {
            problems.Add(new ConfigurationProblem("", 0, 0, "the file is empty"));
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            problems.Add(new ConfigurationProblem("", 0, 0, "the file holds several YAML documents (---); put everything in one"));
            return null;
        }
        return stream.Documents[0].RootNode is YamlMappingNode root
            ? new YamlSection(root, "", problems, baseDirectory)
            : Report(problems, "", stream.Documents[0].RootNode, "expected a mapping of keys at the top of the file");
    }

    public string KeyPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public bool Has(string key) => Value(key) is not null;

    /// <summary>Records a problem about <paramref name="key"/>, located at its value, or at this section when it is absent.</summary>
    public void Problem(string key, string message) => Add(KeyPath(key), RawValue(key) ?? node, message);

    /// <summary>Records a problem about this whole section.</summary>
    public void Problem(string message) => Add(Path, node, message);

    public string? Text(string key, bool required = false)
    {
        var value = Value(key);
        if (value is null)
        {
            if (required) Missing(key, "a text value");
            return null;
        }
        if (value is not YamlScalarNode scalar)
        {
            Add(KeyPath(key), value, $"expected a text value, found {Describe(value)}");
            return null;
        }
        var text = scalar.Value!.Trim();
        if (text.Length == 0)
        {
            Add(KeyPath(key), value, "is empty");
            return null;
        }
        return text;
    }

    public int? Integer(string key, int min, int max, bool required = false)
    {
        var text = Text(key, required);
        if (text is null) return null;
        if (!int.TryParse(text.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            Problem(key, $"expected a whole number, found '{text}'");
            return null;
        }
        if (number < min || number > max)
        {
            Problem(key, $"{number} is out of range; use a number from {min} to {max}");
            return null;
        }
        return number;
    }

    public bool? Boolean(string key)
    {
        var text = Text(key);
        if (text is null) return null;
        if (bool.TryParse(text, out var flag)) return flag;
        Problem(key, $"expected true or false, found '{text}'");
        return null;
    }

    public TimeSpan? Duration(string key)
    {
        var text = Text(key);
        if (text is null) return null;
        if (DurationText.TryParse(text, out var duration) && duration > TimeSpan.Zero) return duration;
        Problem(key, $"'{text}' is not a duration; write a positive number with a unit: 200ms, 30s, 15m or 1h");
        return null;
    }

    public RiskTier? Tier(string key, bool required = false)
    {
        var text = Text(key, required);
        if (text is null) return null;
        if (RiskTierNames.TryParse(text, out var tier)) return tier;
        Problem(key, $"'{text}' is not a tier; use low, medium, high or critical (or allow, review, block)");
        return null;
    }

    /// <summary>An absolute URL with one of the given schemes.</summary>
    public Uri? Url(string key, bool required, params string[] schemes)
    {
        var text = Text(key, required);
        if (text is null) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && Array.IndexOf(schemes, url.Scheme) >= 0) return url;
        Problem(key, $"'{text}' is not an absolute {string.Join(" or ", schemes)} URL");
        return null;
    }

    /// <summary>A file path made absolute against <see cref="BaseDirectory"/>; when <paramref name="mustExist"/>, a missing file is a problem.</summary>
    public string? FilePath(string key, bool required = false, bool mustExist = true)
    {
        var text = Text(key, required);
        if (text is null) return null;
        var path = System.IO.Path.GetFullPath(text, BaseDirectory);
        if (mustExist && !File.Exists(path))
        {
            Problem(key, $"the file {path} does not exist");
            return null;
        }
        return path;
    }

    public YamlSection? Section(string key, bool required = false)
    {
        var value = Value(key);
        if (value is null)
        {
            if (required) Missing(key, "a mapping");
            return null;
        }
        return Of(value, KeyPath(key));
    }

    /// <summary>A list of text values; a single text value is taken as a list of one.</summary>
    public IReadOnlyList<string>? TextList(string key)
    {
        var value = Value(key);
        if (value is null) return null;
        if (value is YamlScalarNode) return Text(key) is { } single ? [single] : null;
        if (value is not YamlSequenceNode sequence)
        {
            Add(KeyPath(key), value, $"expected a list, found {Describe(value)}");
            return null;
        }
        var items = new List<string>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (item is YamlScalarNode { Value: { } text } && text.Trim().Length > 0) items.Add(text.Trim());
            else Add($"{KeyPath(key)}[{i}]", item, $"expected a text value, found {Describe(item)}");
        }
        return items;
    }

    /// <summary>A mapping of text to text (tags).</summary>
    public IReadOnlyDictionary<string, string>? TextMap(string key)
    {
        var value = Value(key);
        if (value is null) return null;
        if (value is not YamlMappingNode mapping)
        {
            Add(KeyPath(key), value, $"expected a mapping of names to values, found {Describe(value)}");
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in mapping.Children)
        {
            var name = k is YamlScalarNode { Value: { } n } ? n.Trim() : "";
            if (name.Length == 0 || v is not YamlScalarNode { Value: { } text } || text.Trim().Length == 0)
            {
                Add($"{KeyPath(key)}.{name}", v, $"expected a text value, found {Describe(v)}");
                continue;
            }
            map[name] = text.Trim();
        }
        return map;
    }

    /// <summary>Entries of a mapping whose keys are names the user chose (connections): each name with its own section.</summary>
    public IReadOnlyList<(string Name, YamlSection? Section, int Line, int Column)>? NamedSections(string key, bool required = false)
    {
        var value = Value(key);
        if (value is null)
        {
            if (required) Missing(key, "a mapping");
            return null;
        }
        if (value is not YamlMappingNode mapping)
        {
            Add(KeyPath(key), value, $"expected a mapping of names, found {Describe(value)}");
            return null;
        }
        var entries = new List<(string, YamlSection?, int, int)>(mapping.Children.Count);
        foreach (var (k, v) in mapping.Children)
        {
            var name = k is YamlScalarNode { Value: { } n } ? n.Trim() : "";
            entries.Add((name, Of(v, $"{KeyPath(key)}.{name}"), (int)k.Start.Line, (int)k.Start.Column));
        }
        return entries;
    }

    /// <summary>A list of mappings (policy rules); items that aren't mappings are reported and left out.</summary>
    public IReadOnlyList<YamlSection>? SectionList(string key)
    {
        var value = Value(key);
        if (value is null) return null;
        if (value is not YamlSequenceNode sequence)
        {
            Add(KeyPath(key), value, $"expected a list, found {Describe(value)}");
            return null;
        }
        var sections = new List<YamlSection>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (Of(sequence.Children[i], $"{KeyPath(key)}[{i}]") is { } section) sections.Add(section);
        }
        return sections;
    }

    /// <summary>
    /// A secret reference, { env: NAME } or { file: PATH }. It is checked to be readable now, but the value is
    /// dropped: only the reference is kept.
    /// </summary>
    public SecretReference? Secret(string key, bool required = false)
    {
        var value = Value(key);
        if (value is null)
        {
            if (required) Missing(key, "{ env: VARIABLE } or { file: PATH }");
            return null;
        }
        if (value is YamlScalarNode)
        {
            // Never echo the scalar: it is most likely the password itself.
            Add(KeyPath(key), value, "secrets can't be written in the config file; use { env: VARIABLE } or { file: PATH }");
            return null;
        }
        var section = Of(value, KeyPath(key));
        if (section is null) return null;
        var reference = section.SecretReference();
        section.RejectUnknownKeys();
        if (reference is not null && reference.Problem() is { } problem)
        {
            Add(KeyPath(key), value, $"{reference}: {problem}");
            return null;
        }
        return reference;
    }

    /// <summary>
    /// The name of an environment variable. A value that isn't a name is not echoed: it is usually the secret
    /// itself pasted into the wrong place.
    /// </summary>
    public string? EnvironmentVariable(string key)
    {
        var name = Text(key);
        if (name is null) return null;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                Problem(key, "is not an environment variable name (letters, digits and _); give the variable's name, not its value");
                return null;
            }
        }
        return name;
    }

    private SecretReference? SecretReference()
    {
        var env = EnvironmentVariable("env");
        var file = FilePath("file", mustExist: false);
        if (env is not null && file is not null)
        {
            Problem("give exactly one of env and file, not both");
            return null;
        }
        if (env is not null) return Configuration.SecretReference.FromEnvironment(env);
        if (file is not null) return Configuration.SecretReference.FromFile(file);
        if (!Has("env") && !Has("file")) Problem("give one of env (an environment variable) or file (a path)");
        return null;
    }

    /// <summary>Reports every key of this section that no accessor asked for: a typo must not silently drop a setting.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var (k, _) in node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            if (knownKeys.Contains(name)) continue;
            Add(KeyPath(name), k, $"unknown key '{name}'; expected one of: {string.Join(", ", knownKeys)}");
        }
    }

    // The scalar isn't echoed: a connection string or password written where a mapping belongs must not reach logs.
    private YamlSection? Of(YamlNode value, string path) => value is YamlMappingNode mapping
        ? new YamlSection(mapping, path, Problems, BaseDirectory)
        : Report(Problems, path, value, $"expected a mapping of keys, found {(value is YamlScalarNode ? "a single value" : Describe(value))}");

    private YamlNode? RawValue(string key)
    {
        foreach (var (k, v) in node.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key) return v;
        }
        return null;
    }

    /// <summary>The value of a key, or null when the key is absent or explicitly null; marks the key as known.</summary>
    private YamlNode? Value(string key)
    {
        if (!knownKeys.Contains(key)) knownKeys.Add(key);
        var value = RawValue(key);
        return value is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } ? null : value;
    }

    private void Missing(string key, string expected) => Add(KeyPath(key), node, $"is missing; expected {expected}");

    private void Add(string path, YamlNode at, string message) =>
        Problems.Add(new ConfigurationProblem(path, (int)at.Start.Line, (int)at.Start.Column, message));

    private static YamlSection? Report(List<ConfigurationProblem> problems, string path, YamlNode at, string message)
    {
        problems.Add(new ConfigurationProblem(path, (int)at.Start.Line, (int)at.Start.Column, message));
        return null;
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode { Value: { } v } => $"'{v}'",
        _ => "nothing",
    };

    // YamlDotNet prefixes its messages with "(Line: 3, Col: 1, Idx: 20) - (...): "; the problem carries the location already.
    private static string StripLocation(string message)
    {
        var at = message.LastIndexOf("): ", StringComparison.Ordinal);
        return at >= 0 && message.StartsWith('(') ? message[(at + 3)..] : message;
    }
}
