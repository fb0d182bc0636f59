namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>The local PostgreSQL cluster could not be prepared, started or stopped; the message says why and what to do.</summary>
public class LocalPostgresException : Exception
{
    public LocalPostgresException(string message) : base(message) { }
    public LocalPostgresException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>No PostgreSQL server programs (initdb, pg_ctl, postgres) were found on this machine.</summary>
public sealed class PostgresBinariesNotFoundException : LocalPostgresException
{
    public PostgresBinariesNotFoundException(string whereLooked)
        : base("PostgreSQL server programs (initdb, pg_ctl, postgres) were not found " + whereLooked + ". " +
               "Install them with 'apt-get install postgresql' (or a specific version such as 'apt-get install postgresql-15'), " +
               "or point TicketGate at their folder with --pg-bin-dir.")
    {
        WhereLooked = whereLooked;
    }

    public string WhereLooked { get; }
}
