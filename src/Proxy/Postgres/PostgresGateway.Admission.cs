using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Postgres.Messages;
using TicketGate.Proxy.Postgres.Upstream;

namespace TicketGate.Proxy.Postgres;

internal sealed partial class PostgresGateway
{
    // Start-up parameters passed to the upstream: session settings only. Anything that could change who the session acts as
    // (options="-c role=...", replication) is refused rather than silently dropped.
    private static readonly HashSet<string> ForwardedSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "application_name", "client_encoding", "datestyle", "timezone", "intervalstyle", "extra_float_digits", "search_path",
        "bytea_output", "lc_monetary", "lc_numeric", "lc_time", "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
        "default_transaction_isolation", "default_transaction_read_only", "standard_conforming_strings", "geqo", "jit", "work_mem",
        "client_min_messages",
    };

    // TicketGate's parser reads SQL as UTF-8, so the client must send UTF-8 (SQL_ASCII means "no conversion": the server then
    // checks the bytes as UTF-8 too). A list of bad encodings would miss aliases: PostgreSQL also knows SJIS as windows932,
    // G.B.K as GBK, and so on. Names are compared as PostgreSQL does, on their letters and digits only.
    private static readonly HashSet<string> AcceptedClientEncodings = new(StringComparer.Ordinal) { "utf8", "unicode", "sqlascii" };

    // A password message carrying a 16 KiB token with some slack; anything longer is not a token.
    private const int MaxPasswordMessage = 20 * 1024;

    /// <summary>Authenticates the agent by its token and finds the connection it asked for; on failure answers FATAL and returns null.</summary>
    private async Task<(AgentIdentity Identity, ConnectionDefinition Target, List<KeyValuePair<string, string>> Forwarded)?> AdmitAsync(
        IDuplexPipe transport, bool isTls, Dictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        if (!parameters.TryGetValue("user", out var user) || user.Length == 0)
        {
            await FatalAsync(transport, SqlState.InvalidAuthorizationSpecification, "no PostgreSQL user name specified in startup packet").ConfigureAwait(false);
            return null;
        }
        if (parameters.ContainsKey("replication"))
        {
            await FatalAsync(transport, SqlState.FeatureNotSupported, "replication connections are not supported through TicketGate").ConfigureAwait(false);
            return null;
        }
        var database = parameters.GetValueOrDefault("database") is { Length: > 0 } db ? db : user;

        if (!isTls && !Options.Postgres.Insecure)
        {
            await FatalAsync(transport, SqlState.InvalidAuthorizationSpecification,
                "TicketGate accepts tokens only over TLS",
                hint: "Connect with sslmode=require (or verify-full with TicketGate's CA certificate).").ConfigureAwait(false);
            return null;
        }

        var forwarded = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in parameters)
        {
            if (name is "user" or "database") continue;
            if (name == "options")
            {
                var problem = ReadOptions(value, forwarded);
                if (problem is not null)
                {
                    await FatalAsync(transport, SqlState.InsufficientPrivilege, problem).ConfigureAwait(false);
                    return null;
                }
                continue;
            }
            var refused = RefusedSetting(name, value);
            if (refused is not null)
            {
                await FatalAsync(transport, SqlState.InsufficientPrivilege, refused).ConfigureAwait(false);
                return null;
            }
            forwarded.Add(new(name, value));
        }

        BackendMessages.WriteAuthentication(transport.Output, 3);
        await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        var token = await ReadPasswordAsync(transport, cancellationToken).ConfigureAwait(false);
        if (token is null) return null;

        var outcome = await Tokens.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
        if (!outcome.IsValid)
        {
            Log.TokenRejected(Logger, user, outcome.Failure.Value.ToString(), outcome.Message);
            var state = outcome.Failure == TokenFailure.IssuerUnreachable ? SqlState.InvalidAuthorizationSpecification : SqlState.InvalidPassword;
            await FatalAsync(transport, state, "TicketGate refused the token: " + outcome.Message,
                hint: "Send a current token from your identity provider as the password (PGPASSWORD).").ConfigureAwait(false);
            return null;
        }

        if (!Options.Connections.TryGetValue(database, out var target))
        {
            await FatalAsync(transport, SqlState.InvalidAuthorizationSpecification,
                $"TicketGate has no connection named \"{database}\"",
                detail: "Connections: " + string.Join(", ", Options.Connections.Keys.Order(StringComparer.Ordinal)),
                hint: "Use the connection's name as the database name (dbname=...).").ConfigureAwait(false);
            return null;
        }
        return (outcome.Identity, target, forwarded);
    }

    /// <summary>Reads the PasswordMessage; null (after answering FATAL where the client can still hear it) when there is none.</summary>
    private async Task<string?> ReadPasswordAsync(IDuplexPipe transport, CancellationToken cancellationToken)
    {
        var reader = transport.Input;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (MessageFraming.TryReadHeader(buffer, out var code, out var total))
            {
                if (code != FrontendCode.Password || total < 5)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    await FatalAsync(transport, SqlState.ProtocolViolation, "expected a password message carrying the token").ConfigureAwait(false);
                    return null;
                }
                if (total > MaxPasswordMessage)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    await FatalAsync(transport, SqlState.InvalidPassword,
                        $"TicketGate refused the token: it is over {TokenValidator.MaxTokenLength / 1024} KiB").ConfigureAwait(false);
                    // Read (a bounded part of) what the client is still sending, so closing doesn't reset the connection before
                    // the client has read why.
                    await DrainAsync(reader, Math.Min(total, 1024 * 1024), TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                    return null;
                }
                if (buffer.Length >= total)
                {
                    var body = buffer.Slice(5, total - 5).ToArray();
                    reader.AdvanceTo(buffer.GetPosition(total));
                    var length = Array.IndexOf(body, (byte)0);
                    return Encoding.UTF8.GetString(body, 0, length < 0 ? body.Length : length);
                }
            }
            if (result.IsCompleted)
            {
                // libpq hangs up here when it has no password, then asks the user for one and reconnects.
                reader.AdvanceTo(buffer.End);
                return null;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task DrainAsync(PipeReader reader, long bytes, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            while (bytes > 0)
            {
                var result = await reader.ReadAsync(limit.Token).ConfigureAwait(false);
                bytes -= result.Buffer.Length;
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client stopped sending or went away: nothing more to drain.
        }
    }

    /// <summary>Reads "-c name=value" / "--name=value" pairs; returns a problem for anything outside the allowed settings.</summary>
    private static string? ReadOptions(string options, List<KeyValuePair<string, string>> forwarded)
    {
        var words = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < words.Length; i++)
        {
            string setting;
            if (words[i] == "-c" && i + 1 < words.Length) setting = words[++i];
            else if (words[i].StartsWith("--", StringComparison.Ordinal)) setting = words[i][2..];
            else if (words[i].StartsWith("-c", StringComparison.Ordinal)) setting = words[i][2..];
            else return $"start-up option \"{words[i]}\" is not allowed through TicketGate";
            var eq = setting.IndexOf('=');
            if (eq <= 0) return $"start-up option \"{setting}\" is malformed";
            var name = setting[..eq].Replace('-', '_');
            var value = setting[(eq + 1)..];
            var refused = RefusedSetting(name, value);
            if (refused is not null) return refused;
            forwarded.Add(new(name, value));
        }
        return null;
    }

    /// <summary>Why a start-up setting may not pass, or null when it may.</summary>
    private static string? RefusedSetting(string name, string value)
    {
        if (!ForwardedSettings.Contains(name)) return $"start-up parameter \"{name}\" is not allowed through TicketGate";
        if (name.Equals("standard_conforming_strings", StringComparison.OrdinalIgnoreCase)
            && !(value.Equals("on", StringComparison.OrdinalIgnoreCase) || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1"))
        {
            return "standard_conforming_strings must stay on through TicketGate: with it off the server reads string literals differently from TicketGate's parser";
        }
        if (name.Equals("client_encoding", StringComparison.OrdinalIgnoreCase) && !AcceptedClientEncodings.Contains(EncodingKey(value)))
        {
            return $"client_encoding {value} is not allowed through TicketGate: it reads statements as UTF-8, and other encodings (SJIS, BIG5, GBK…) can hide quotes from its parser; use UTF8";
        }
        return null;
    }

    /// <summary>An encoding name as PostgreSQL matches it: letters and digits only, lower case ("Shift_JIS" → "shiftjis").</summary>
    private static string EncodingKey(string name)
    {
        var key = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c)) key.Append(char.ToLowerInvariant(c));
        }
        return key.ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Warning, "Refused a connection from {Remote}: plaintext bytes followed its SSLRequest")]
        public static partial void PlaintextAfterSslRequest(ILogger logger, string remote);

        [LoggerMessage(101, LogLevel.Information, "Refused the token of startup user {User}: {Failure}: {Reason}")]
        public static partial void TokenRejected(ILogger logger, string user, string failure, string reason);

        [LoggerMessage(102, LogLevel.Warning, "Connection {Connection} is unavailable: {Reason}")]
        public static partial void UpstreamUnavailable(ILogger logger, string connection, string reason);

        [LoggerMessage(103, LogLevel.Information, "Session {SessionId} started for {Subject} on {Connection} (TLS {Tls})")]
        public static partial void SessionStarted(ILogger logger, Guid sessionId, string subject, string connection, bool tls);

        [LoggerMessage(104, LogLevel.Information, "Session {SessionId} ended")]
        public static partial void SessionEnded(ILogger logger, Guid sessionId);

        [LoggerMessage(105, LogLevel.Debug, "Connection from {Remote} ended during start-up: {Reason}")]
        public static partial void ConnectionEnded(ILogger logger, string remote, string reason);
    }
}
