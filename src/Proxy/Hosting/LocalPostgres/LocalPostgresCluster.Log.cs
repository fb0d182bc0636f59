using Microsoft.Extensions.Logging;

namespace TicketGate.Proxy.Hosting.LocalPostgres;

public sealed partial class LocalPostgresCluster
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Creating a PostgreSQL cluster in {PgData} with {BinDirectory} as account {Account}")]
        public static partial void Initializing(ILogger logger, string pgData, string binDirectory, string account);

        [LoggerMessage(2, LogLevel.Information, "PostgreSQL listening on 127.0.0.1:{Port} (data in {PgData})")]
        public static partial void Started(ILogger logger, int port, string pgData);

        [LoggerMessage(3, LogLevel.Information, "PostgreSQL already running on port {Port} (pid {ProcessId}); using it")]
        public static partial void Adopted(ILogger logger, int port, int processId);

        [LoggerMessage(4, LogLevel.Warning, "postmaster.pid names process {ProcessId}, which is not PostgreSQL; removing the stale file")]
        public static partial void RemovingStalePidFile(ILogger logger, int processId);

        [LoggerMessage(5, LogLevel.Information, "PostgreSQL is running on port {RunningPort}; restarting it on port {RequestedPort}")]
        public static partial void RestartingOnNewPort(ILogger logger, int runningPort, int requestedPort);

        [LoggerMessage(6, LogLevel.Information, "PostgreSQL on port {Port} stopped")]
        public static partial void Stopped(ILogger logger, int port);
    }
}
