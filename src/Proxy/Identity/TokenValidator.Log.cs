using Microsoft.Extensions.Logging;

namespace TicketGate.Proxy.Identity;

public sealed partial class TokenValidator
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Cannot reach the OIDC issuer at {MetadataAddress}: {Reason}")]
        public static partial void IssuerUnreachable(ILogger logger, string metadataAddress, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "A token named unknown key id {KeyId}; refreshed the issuer's keys (now published: {Published})")]
        public static partial void SigningKeysRefreshed(ILogger logger, string keyId, bool published);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "A token named unknown key id {KeyId}; not refreshing the issuer's keys again so soon")]
        public static partial void KeyRefreshThrottled(ILogger logger, string keyId);
    }
}
