using System.Text.Json;
using Npgsql;

namespace TicketGate.Workflows.Approvals;

/// <summary>Reads one <c>ticketgate.approval_requests</c> row, columns in <c>ApprovalRequestStore.Columns</c> order.</summary>
internal static class ApprovalRequestRow
{
    public static StoredApprovalRequest Read(NpgsqlDataReader row)
    {
        var request = new ApprovalRequest
        {
            Id = row.GetGuid(0),
            Protocol = row.GetString(1),
            Connection = row.GetString(2),
            ConnectionTags = JsonSerializer.Deserialize<Dictionary<string, string>>(row.GetString(3)) ?? [],
            Requester = row.GetString(4),
            RequesterGroups = row.GetFieldValue<string[]>(5),
            Command = row.GetString(6),
            Parameters = JsonSerializer.Deserialize<string?[]>(row.GetString(7)) ?? [],
            CommandClass = row.GetString(8),
            Tier = RiskTierNames.TryParse(row.GetString(9), out var tier)
                ? tier
                : throw new InvalidDataException($"Approval request {row.GetGuid(0)} has an unknown tier '{row.GetString(9)}'."),
            Rule = row.GetString(10),
            PayloadSha256 = row.GetString(11),
            ApproverGroups = row.GetFieldValue<string[]>(12),
            SessionId = row.IsDBNull(13) ? null : row.GetString(13),
            CreatedAt = row.GetFieldValue<DateTimeOffset>(15),
            Deadline = row.IsDBNull(16) ? null : row.GetFieldValue<DateTimeOffset>(16),
        };
        return new StoredApprovalRequest
        {
            Request = request,
            Holder = row.GetString(14),
            Status = ApprovalStatusNames.TryParse(row.GetString(17), out var status)
                ? status
                : throw new InvalidDataException($"Approval request {request.Id} has an unknown status '{row.GetString(17)}'."),
            DecidedAt = row.IsDBNull(18) ? null : row.GetFieldValue<DateTimeOffset>(18),
            DecidedBy = row.GetFieldValue<string[]>(19),
            Reason = row.IsDBNull(20) ? null : row.GetString(20),
            ByFallback = row.GetBoolean(21),
            TicketKey = row.IsDBNull(22) ? null : row.GetString(22),
        };
    }
}
