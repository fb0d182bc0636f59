namespace TicketGate.Proxy.Postgres.Messages;

/// <summary>Message type bytes of the PostgreSQL v3 protocol, frontend (client) side.</summary>
internal static class FrontendCode
{
    public const byte Query = (byte)'Q';
    public const byte Parse = (byte)'P';
    public const byte Bind = (byte)'B';
    public const byte Describe = (byte)'D';
    public const byte Execute = (byte)'E';
    public const byte Close = (byte)'C';
    public const byte Flush = (byte)'H';
    public const byte Sync = (byte)'S';
    public const byte Terminate = (byte)'X';
    public const byte CopyData = (byte)'d';
    public const byte CopyDone = (byte)'c';
    public const byte CopyFail = (byte)'f';
    public const byte FunctionCall = (byte)'F';
    public const byte Password = (byte)'p';
}

/// <summary>Message type bytes of the PostgreSQL v3 protocol, backend (server) side.</summary>
internal static class BackendCode
{
    public const byte Authentication = (byte)'R';
    public const byte BackendKeyData = (byte)'K';
    public const byte ParameterStatus = (byte)'S';
    public const byte ReadyForQuery = (byte)'Z';
    public const byte ErrorResponse = (byte)'E';
    public const byte NoticeResponse = (byte)'N';
    public const byte NotificationResponse = (byte)'A';
    public const byte CommandComplete = (byte)'C';
    public const byte EmptyQueryResponse = (byte)'I';
    public const byte PortalSuspended = (byte)'s';
    public const byte ParseComplete = (byte)'1';
    public const byte BindComplete = (byte)'2';
    public const byte CloseComplete = (byte)'3';
    public const byte DataRow = (byte)'D';
    public const byte RowDescription = (byte)'T';
    public const byte CopyInResponse = (byte)'G';
    public const byte CopyOutResponse = (byte)'H';
    public const byte CopyBothResponse = (byte)'W';
    public const byte CopyData = (byte)'d';
    public const byte CopyDone = (byte)'c';
    public const byte NoData = (byte)'n';
    public const byte NegotiateProtocolVersion = (byte)'v';
}

/// <summary>Request codes of untyped start-up packets.</summary>
internal static class StartupCode
{
    public const int SslRequest = 80877103;
    public const int GssEncRequest = 80877104;
    public const int CancelRequest = 80877102;
    public const int Protocol30 = 196608;
    public const int Protocol32 = 196610;
}

/// <summary>SQLSTATE codes TicketGate answers with.</summary>
public static class SqlState
{
    public const string InsufficientPrivilege = "42501";
    public const string InvalidPassword = "28P01";
    public const string InvalidAuthorizationSpecification = "28000";
    public const string ProtocolViolation = "08P01";
    public const string ConnectionFailure = "08006";
    public const string QueryCanceled = "57014";
    public const string FeatureNotSupported = "0A000";
    public const string ProgramLimitExceeded = "54000";
    public const string SystemError = "58000";
    public const string AdminShutdown = "57P01";
    public const string Warning = "01000";
}
