namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>Quoting for the few statements that cannot take parameters (CREATE DATABASE, CREATE ROLE … PASSWORD).</summary>
internal static class SqlText
{
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A standard-conforming string literal; also the quoting postgresql.conf uses.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
