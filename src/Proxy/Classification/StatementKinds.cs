using System.Collections.Frozen;

namespace TicketGate.Proxy.Classification;

/// <summary>
/// The class each PostgreSQL 15 statement node carries by its kind alone. Statements whose class depends on their
/// fields (COPY, SET, SELECT INTO, EXPLAIN, DROP POLICY) are refined by the tree walk; kinds missing here are opaque,
/// so a node type added by a newer parser is held rather than waved through.
/// </summary>
internal static class StatementKinds
{
    private const StatementClass Read = StatementClass.Read;
    private const StatementClass Write = StatementClass.Write;
    private const StatementClass Ddl = StatementClass.Ddl;
    private const StatementClass Privilege = StatementClass.Privilege;
    private const StatementClass Admin = StatementClass.Admin;
    private const StatementClass Opaque = StatementClass.Opaque;

    private static readonly FrozenDictionary<string, StatementClass> ByKind = new Dictionary<string, StatementClass>
    {
        // reading, session and transaction control
        ["SelectStmt"] = Read,
        ["SetOperationStmt"] = Read,
        ["VariableShowStmt"] = Read,
        ["TransactionStmt"] = Read,
        ["VariableSetStmt"] = Read,
        ["DiscardStmt"] = Read,
        ["DeallocateStmt"] = Read,
        ["ListenStmt"] = Read,
        ["UnlistenStmt"] = Read,
        ["PrepareStmt"] = Read,
        ["ClosePortalStmt"] = Read,
        ["FetchStmt"] = Read,
        ["DeclareCursorStmt"] = Read,
        ["ExplainStmt"] = Read,
        ["ConstraintsSetStmt"] = Read,
        // COPY reads or writes depending on its direction, which the walk decides
        ["CopyStmt"] = StatementClass.None,
        // parts of SQL-function bodies and PL/pgSQL assignments: they add nothing beyond their expressions
        ["ReturnStmt"] = StatementClass.None,
        ["PLAssignStmt"] = StatementClass.None,
        ["RawStmt"] = StatementClass.None,

        // changing data; LOCK TABLE is held like SELECT ... FOR UPDATE because it can stall every other session
        ["InsertStmt"] = Write,
        ["UpdateStmt"] = Write,
        ["DeleteStmt"] = Write,
        ["MergeStmt"] = Write,
        ["TruncateStmt"] = Write,
        ["NotifyStmt"] = Write,
        ["LockStmt"] = Write,
        ["RefreshMatViewStmt"] = Write,
        ["CreateTableAsStmt"] = Write | Ddl,

        // schema
        ["CreateStmt"] = Ddl,
        ["CreateForeignTableStmt"] = Ddl,
        ["AlterTableStmt"] = Ddl,
        ["DropStmt"] = Ddl,
        ["IndexStmt"] = Ddl,
        ["ViewStmt"] = Ddl,
        ["CreateSeqStmt"] = Ddl,
        ["AlterSeqStmt"] = Ddl,
        ["CreateSchemaStmt"] = Ddl,
        ["CreateFunctionStmt"] = Ddl,
        ["AlterFunctionStmt"] = Ddl,
        ["DefineStmt"] = Ddl,
        ["CompositeTypeStmt"] = Ddl,
        ["CreateEnumStmt"] = Ddl,
        ["AlterEnumStmt"] = Ddl,
        ["CreateRangeStmt"] = Ddl,
        ["AlterTypeStmt"] = Ddl,
        ["CreateDomainStmt"] = Ddl,
        ["AlterDomainStmt"] = Ddl,
        ["CreateExtensionStmt"] = Ddl,
        ["AlterExtensionStmt"] = Ddl,
        ["AlterExtensionContentsStmt"] = Ddl,
        ["CreateTrigStmt"] = Ddl,
        ["CreateEventTrigStmt"] = Ddl,
        ["AlterEventTrigStmt"] = Ddl,
        ["RuleStmt"] = Ddl,
        ["CommentStmt"] = Ddl,
        ["RenameStmt"] = Ddl,
        ["AlterObjectSchemaStmt"] = Ddl,
        ["AlterObjectDependsStmt"] = Ddl,
        ["ReplicaIdentityStmt"] = Ddl,
        ["CreateStatsStmt"] = Ddl,
        ["AlterStatsStmt"] = Ddl,
        ["CreateCastStmt"] = Ddl,
        ["CreateConversionStmt"] = Ddl,
        ["CreateTransformStmt"] = Ddl,
        ["CreateOpClassStmt"] = Ddl,
        ["CreateOpFamilyStmt"] = Ddl,
        ["AlterOpFamilyStmt"] = Ddl,
        ["AlterOperatorStmt"] = Ddl,
        ["CreateAmStmt"] = Ddl,
        ["CreatePLangStmt"] = Ddl,
        ["AlterCollationStmt"] = Ddl,
        ["AlterTSConfigurationStmt"] = Ddl,
        ["AlterTSDictionaryStmt"] = Ddl,
        ["CreateFdwStmt"] = Ddl,
        ["AlterFdwStmt"] = Ddl,
        ["CreateForeignServerStmt"] = Ddl,
        ["AlterForeignServerStmt"] = Ddl,
        ["CreatePublicationStmt"] = Ddl,
        ["AlterPublicationStmt"] = Ddl,

        // who may do what; owners, row policies and user mappings (which hold remote passwords) decide access too
        ["GrantStmt"] = Privilege,
        ["GrantRoleStmt"] = Privilege,
        ["CreateRoleStmt"] = Privilege,
        ["AlterRoleStmt"] = Privilege,
        ["AlterRoleSetStmt"] = Privilege,
        ["DropRoleStmt"] = Privilege,
        ["AlterDefaultPrivilegesStmt"] = Privilege,
        ["ReassignOwnedStmt"] = Privilege,
        ["DropOwnedStmt"] = Privilege,
        ["AlterOwnerStmt"] = Ddl | Privilege,
        ["CreatePolicyStmt"] = Ddl | Privilege,
        ["AlterPolicyStmt"] = Ddl | Privilege,
        ["CreateUserMappingStmt"] = Ddl | Privilege,
        ["AlterUserMappingStmt"] = Ddl | Privilege,
        ["DropUserMappingStmt"] = Ddl | Privilege,

        // the server itself
        ["AlterSystemStmt"] = Admin,
        ["LoadStmt"] = Admin,
        ["CheckPointStmt"] = Admin,
        ["VacuumStmt"] = Admin,
        ["ReindexStmt"] = Admin,
        ["ClusterStmt"] = Admin,
        ["CreatedbStmt"] = Admin,
        ["DropdbStmt"] = Admin,
        ["AlterDatabaseStmt"] = Admin,
        ["AlterDatabaseSetStmt"] = Admin,
        ["AlterDatabaseRefreshCollStmt"] = Admin,
        ["CreateTableSpaceStmt"] = Admin,
        ["DropTableSpaceStmt"] = Admin,
        ["AlterTableSpaceOptionsStmt"] = Admin,
        ["AlterTableMoveAllStmt"] = Admin | Ddl,
        ["SecLabelStmt"] = Admin,
        ["ImportForeignSchemaStmt"] = Admin | Ddl,
        // subscriptions connect out to other servers with stored credentials
        ["CreateSubscriptionStmt"] = Ddl | Admin,
        ["AlterSubscriptionStmt"] = Ddl | Admin,
        ["DropSubscriptionStmt"] = Ddl | Admin,

        // code whose effect the parse tree can't show
        ["DoStmt"] = Opaque,
        ["CallStmt"] = Opaque,
        ["ExecuteStmt"] = Opaque,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Whether a parse-tree property name is a statement node (as opposed to an expression or helper node).</summary>
    public static bool IsStatement(string nodeName) => nodeName.EndsWith("Stmt", StringComparison.Ordinal);

    /// <summary>The kind's own classes; Opaque for a statement kind this table doesn't know.</summary>
    public static StatementClass Of(string kind) => ByKind.TryGetValue(kind, out var classes) ? classes : Opaque;

    public static bool IsKnown(string kind) => ByKind.ContainsKey(kind);
}
