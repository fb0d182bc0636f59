using System.Text;

namespace TicketGate.Proxy.Classification.Shell;

/// <summary>
/// A shell command line as the target's shell will run it, split into its simple commands (at ; &amp; | &amp;&amp; || newlines and
/// parentheses) so that each is judged on its own: "ls; rm -rf /" is two commands, and the riskier one counts. Wrappers that run
/// another program (sudo, env, nohup, nice, timeout, exec, command, sh -c …) are peeled off so the program itself is judged.
/// What can't be known without running the shell — command substitution, eval, here-documents, a program named by a
/// variable, unbalanced quotes — makes the line <see cref="Opaque"/>.
/// </summary>
public sealed class ShellCommandLine
{
    private static readonly HashSet<string> Wrappers = new(StringComparer.Ordinal) { "sudo", "doas", "env", "nohup", "nice", "ionice", "timeout", "time", "exec", "command", "stdbuf", "chroot", "setsid", "xargs" };
    private static readonly HashSet<string> Shells = new(StringComparer.Ordinal) { "sh", "bash", "dash", "zsh", "ksh", "busybox" };
    private const int MaxDepth = 4;

    private ShellCommandLine(IReadOnlyList<string> commands, bool opaque, bool writesFiles, string? why)
    {
        Commands = commands;
        Opaque = opaque;
        WritesFiles = writesFiles;
        OpaqueReason = why;
    }

    /// <summary>Each simple command, normalised: wrappers and variable assignments dropped, the program without its directory, words joined by one space.</summary>
    public IReadOnlyList<string> Commands { get; }
    public bool Opaque { get; }
    public string? OpaqueReason { get; }
    /// <summary>Output is redirected into a file (anything but /dev/null).</summary>
    public bool WritesFiles { get; }

    public static ShellCommandLine Parse(string text)
    {
        var state = new ParseState();
        Split(text, state, 0);
        return new ShellCommandLine(state.Commands, state.OpaqueReason is not null, state.WritesFiles, state.OpaqueReason);
    }

    private sealed class ParseState
    {
        public List<string> Commands { get; } = [];
        public string? OpaqueReason { get; set; }
        public bool WritesFiles { get; set; }
        public void MarkOpaque(string why) => OpaqueReason ??= why;
    }

    private static void Split(string text, ParseState state, int depth)
    {
        if (depth > MaxDepth)
        {
            state.MarkOpaque("shells nested too deeply");
            return;
        }
        var words = new List<string>();
        var expanded = new List<bool>();
        var word = new StringBuilder();
        var inWord = false;
        var wordExpands = false;
        var redirectNext = false;

        void EndWord()
        {
            if (!inWord) return;
            var value = word.ToString();
            if (redirectNext)
            {
                if (value != "/dev/null" && !value.StartsWith('&')) state.WritesFiles = true;
                redirectNext = false;
            }
            else
            {
                words.Add(value);
                expanded.Add(wordExpands);
            }
            word.Clear();
            inWord = false;
            wordExpands = false;
        }

        void EndCommand()
        {
            EndWord();
            if (redirectNext) state.MarkOpaque("a redirection without a target");
            redirectNext = false;
            Judge(words, expanded, state, depth);
            words.Clear();
            expanded.Clear();
        }

        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t':
                    EndWord();
                    i++;
                    break;
                case '\n' or ';' or '(' or ')':
                    EndCommand();
                    i++;
                    break;
                case '&':
                    if (Next(text, i) == '>')
                    {
                        EndWord();
                        redirectNext = true;
                        i += Next(text, i + 1) == '>' ? 3 : 2;
                        break;
                    }
                    EndCommand();
                    i += Next(text, i) == '&' ? 2 : 1;
                    break;
                case '|':
                    EndCommand();
                    i += Next(text, i) is '|' or '&' ? 2 : 1;
                    break;
                case '#' when !inWord:
                    while (i < text.Length && text[i] != '\n') i++;
                    break;
                case '<':
                    if (Next(text, i) == '<')
                    {
                        state.MarkOpaque("a here-document");
                        i += 2;
                        break;
                    }
                    if (Next(text, i) == '(')
                    {
                        state.MarkOpaque("a process substitution");
                        i += 2;
                        break;
                    }
                    // Input redirection reads a file, which the command's own rule already judges; the file name isn't an argument.
                    if (inWord && IsAllDigits(word)) { word.Clear(); inWord = false; }
                    EndWord();
                    i++;
                    if (i < text.Length && text[i] == '>') i++;
                    SkipWord(text, ref i);
                    break;
                case '>':
                    if (Next(text, i) == '(')
                    {
                        state.MarkOpaque("a process substitution");
                        i += 2;
                        break;
                    }
                    // "2>" and "2>&1": the digits belong to the redirection, not to the command's words.
                    if (inWord && IsAllDigits(word)) { word.Clear(); inWord = false; }
                    EndWord();
                    redirectNext = true;
                    i++;
                    if (i < text.Length && text[i] is '>' or '|') i++;
                    if (i < text.Length && text[i] == '&')
                    {
                        // ">&2", "2>&1": a copy of another descriptor, not a file.
                        redirectNext = false;
                        i++;
                        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '-')) i++;
                    }
                    break;
                case '`':
                    state.MarkOpaque("a command substitution");
                    i++;
                    break;
                case '$':
                    if (Next(text, i) == '(') state.MarkOpaque("a command substitution");
                    inWord = true;
                    wordExpands = true;
                    word.Append(c);
                    i++;
                    break;
                case '\\':
                    inWord = true;
                    if (i + 1 < text.Length && text[i + 1] != '\n') word.Append(text[i + 1]);
                    i += 2;
                    break;
                case '\'':
                    {
                        inWord = true;
                        var end = text.IndexOf('\'', i + 1);
                        if (end < 0)
                        {
                            state.MarkOpaque("an unbalanced quote");
                            end = text.Length;
                        }
                        word.Append(text, i + 1, Math.Max(0, end - i - 1));
                        i = end + 1;
                        break;
                    }
                case '"':
                    {
                        inWord = true;
                        i++;
                        var closed = false;
                        while (i < text.Length)
                        {
                            var d = text[i];
                            if (d == '"')
                            {
                                closed = true;
                                i++;
                                break;
                            }
                            if (d == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                            {
                                word.Append(text[i + 1]);
                                i += 2;
                                continue;
                            }
                            if (d == '`' || (d == '$' && Next(text, i) == '(')) state.MarkOpaque("a command substitution");
                            if (d == '$') wordExpands = true;
                            word.Append(d);
                            i++;
                        }
                        if (!closed) state.MarkOpaque("an unbalanced quote");
                        break;
                    }
                default:
                    inWord = true;
                    word.Append(c);
                    i++;
                    break;
            }
        }
        EndCommand();
    }

    /// <summary>Peels wrappers off one simple command and records what remains, or recurses into sh -c.</summary>
    private static void Judge(List<string> words, List<bool> expanded, ParseState state, int depth)
    {
        var start = 0;
        while (start < words.Count)
        {
            var current = words[start];
            if (IsAssignment(current))
            {
                start++;
                continue;
            }
            if (current is "{" or "}" or "!" or "then" or "do" or "else" or "if" or "while" or "until" or "fi" or "done")
            {
                start++;
                continue;
            }
            var program = Path.GetFileName(current);
            if (!Wrappers.Contains(program)) break;
            start++;
            // The wrapper's own options (and the argument of sudo -u / timeout's duration) come before the program.
            while (start < words.Count && (words[start].StartsWith('-') || IsAssignment(words[start])))
            {
                var option = words[start++];
                if (program is "sudo" or "doas" && option is "-u" or "-g" or "-C" or "-D" or "-h" or "-p" or "-r" or "-t" or "-U") start++;
                if (program is "nice" or "ionice" && option is "-n" or "-c") start++;
            }
            if (program == "timeout" && start < words.Count) start++;
        }
        if (start >= words.Count) return;
        if (expanded[start])
        {
            state.MarkOpaque("a program named by a variable");
            return;
        }
        var name = Path.GetFileName(words[start]);
        if (name is "eval" or "source" or ".")
        {
            state.MarkOpaque($"{name} runs text nobody can read in advance");
            return;
        }
        if (Shells.Contains(name))
        {
            var c = words.IndexOf("-c", start + 1);
            if (c > 0 && c + 1 < words.Count)
            {
                Split(words[c + 1], state, depth + 1);
                return;
            }
            if (words.Count > start + 1)
            {
                state.MarkOpaque("a script run by a shell");
                return;
            }
        }
        var text = new StringBuilder(name);
        for (var i = start + 1; i < words.Count; i++) text.Append(' ').Append(words[i]);
        state.Commands.Add(text.ToString());
    }

    private static bool IsAssignment(string word)
    {
        var eq = word.IndexOf('=');
        if (eq <= 0) return false;
        for (var i = 0; i < eq; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(word[i]) || word[i] == '_')) return false;
        }
        return !char.IsAsciiDigit(word[0]);
    }

    private static bool IsAllDigits(StringBuilder word)
    {
        if (word.Length == 0) return false;
        for (var i = 0; i < word.Length; i++)
        {
            if (!char.IsAsciiDigit(word[i])) return false;
        }
        return true;
    }

    private static void SkipWord(string text, ref int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t') i++;
        while (i < text.Length && text[i] is not (' ' or '\t' or ';' or '&' or '|' or '\n' or ')' or '(')) i++;
    }

    private static char Next(string text, int i) => i + 1 < text.Length ? text[i + 1] : '\0';
}
