using System.Collections.Frozen;

namespace TicketGate.Proxy.Classification;

/// <summary>
/// What calling a PostgreSQL built-in function does. Names are matched exactly: the parser has already folded
/// unquoted names to lower case, and a quoted "Count" is some other (user) function.
/// </summary>
internal static class BuiltinFunctions
{
    /// <summary>Pure or read-only built-ins that agents, psql's backslash commands and dashboards call.</summary>
    public static readonly FrozenSet<string> Safe = FrozenSet.Create(StringComparer.Ordinal,
    [
        // aggregates and window functions
        "count", "sum", "avg", "min", "max", "string_agg", "array_agg", "json_agg", "jsonb_agg", "json_object_agg",
        "jsonb_object_agg", "json_agg_strict", "jsonb_agg_strict", "bool_and", "bool_or", "every", "bit_and", "bit_or",
        "bit_xor", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "corr", "covar_pop",
        "covar_samp", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx",
        "regr_sxy", "regr_syy", "percentile_cont", "percentile_disc", "mode", "range_agg", "range_intersect_agg",
        "xmlagg", "any_value", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
        "first_value", "last_value", "nth_value",
        // strings
        "length", "char_length", "character_length", "octet_length", "bit_length", "lower", "upper", "initcap", "btrim",
        "ltrim", "rtrim", "lpad", "rpad", "substr", "substring", "left", "right", "position", "strpos", "replace", "repeat",
        "reverse", "split_part", "concat", "concat_ws", "format", "quote_ident", "quote_literal", "quote_nullable",
        "ascii", "chr", "translate", "overlay", "starts_with", "string_to_array", "string_to_table", "regexp_match",
        "regexp_matches", "regexp_replace", "regexp_split_to_array", "regexp_split_to_table", "regexp_count",
        "regexp_instr", "regexp_like", "regexp_substr", "similar_to_escape", "to_hex", "md5", "sha224", "sha256", "sha384",
        "sha512", "encode", "decode", "convert", "convert_from", "convert_to", "to_ascii", "unistr", "normalize",
        "is_normalized", "parse_ident", "pg_collation_for", "get_byte", "get_bit", "set_byte", "set_bit", "bit_count",
        "crc32", "crc32c",
        // numbers
        "abs", "ceil", "ceiling", "floor", "round", "trunc", "sign", "sqrt", "cbrt", "exp", "ln", "log", "log10", "power",
        "pow", "mod", "div", "degrees", "radians", "pi", "sin", "cos", "tan", "cot", "asin", "acos", "atan", "atan2",
        "sind", "cosd", "tand", "cotd", "asind", "acosd", "atand", "atan2d", "sinh", "cosh", "tanh", "asinh", "acosh",
        "atanh", "factorial", "gcd", "lcm", "width_bucket", "random", "random_normal", "scale", "min_scale", "trim_scale",
        "erf", "erfc",
        // date and time
        "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "timeofday", "age", "date_part",
        "date_trunc", "date_bin", "extract", "make_date", "make_time", "make_timestamp", "make_timestamptz",
        "make_interval", "justify_days", "justify_hours", "justify_interval", "isfinite", "timezone", "overlaps",
        "to_char", "to_date", "to_number", "to_timestamp",
        // casts written as calls
        "text", "int2", "int4", "int8", "float4", "float8", "numeric", "bool", "date", "time", "timetz", "timestamp",
        "timestamptz", "interval", "varchar", "bpchar", "name", "oid", "bytea", "uuid", "json", "jsonb", "inet", "cidr",
        "macaddr", "macaddr8", "bit", "varbit", "money", "regclass", "to_regclass", "to_regtype", "to_regproc",
        "to_regprocedure", "to_regnamespace", "to_regrole", "to_regoper", "to_regoperator", "to_regcollation",
        "to_regtypemod", "host", "masklen", "network", "broadcast", "family", "abbrev", "netmask", "hostmask",
        "set_masklen", "inet_same_family", "inet_merge",
        // json and jsonb
        "to_json", "to_jsonb", "array_to_json", "row_to_json", "json_build_array", "jsonb_build_array",
        "json_build_object", "jsonb_build_object", "json_object", "jsonb_object", "json_array_length",
        "jsonb_array_length", "json_each", "jsonb_each", "json_each_text", "jsonb_each_text", "json_extract_path",
        "jsonb_extract_path", "json_extract_path_text", "jsonb_extract_path_text", "json_object_keys",
        "jsonb_object_keys", "json_populate_record", "jsonb_populate_record", "json_populate_recordset",
        "jsonb_populate_recordset", "json_array_elements", "jsonb_array_elements", "json_array_elements_text",
        "jsonb_array_elements_text", "json_typeof", "jsonb_typeof", "json_to_record", "jsonb_to_record",
        "json_to_recordset", "jsonb_to_recordset", "json_strip_nulls", "jsonb_strip_nulls", "jsonb_set", "jsonb_set_lax",
        "jsonb_insert", "jsonb_pretty", "jsonb_path_exists", "jsonb_path_match", "jsonb_path_query",
        "jsonb_path_query_array", "jsonb_path_query_first", "jsonb_path_exists_tz", "jsonb_path_match_tz",
        "jsonb_path_query_tz", "jsonb_path_query_array_tz", "jsonb_path_query_first_tz",
        // arrays, ranges, sets
        "array_append", "array_prepend", "array_cat", "array_dims", "array_fill", "array_length", "array_lower",
        "array_upper", "array_ndims", "array_position", "array_positions", "array_remove", "array_replace",
        "array_to_string", "cardinality", "trim_array", "unnest", "generate_series", "generate_subscripts",
        "isempty", "lower_inc", "upper_inc", "lower_inf", "upper_inf", "range_merge", "int4range", "int8range",
        "numrange", "tsrange", "tstzrange", "daterange", "multirange", "num_nulls", "num_nonnulls",
        // text search and xml that only compute
        "to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery", "ts_rank",
        "ts_rank_cd", "ts_headline", "setweight", "strip", "numnode", "querytree", "tsvector_to_array",
        "array_to_tsvector", "ts_lexize", "xpath", "xpath_exists", "xml_is_well_formed", "xml_is_well_formed_document",
        "xml_is_well_formed_content",
        // identity and values
        "gen_random_uuid", "version", "current_setting", "pg_typeof", "pg_column_size", "current_database",
        "current_schema", "current_schemas", "inet_client_addr", "inet_client_port", "inet_server_addr",
        "inet_server_port", "pg_backend_pid", "pg_postmaster_start_time", "pg_conf_load_time", "pg_is_in_recovery",
        "pg_jit_available", "pg_trigger_depth", "pg_blocking_pids", "pg_safe_snapshot_blocking_pids",
        "pg_my_temp_schema", "pg_is_other_temp_schema", "pg_listening_channels", "pg_notification_queue_usage",
        "currval", "lastval", "txid_current", "pg_current_xact_id", "txid_current_if_assigned",
        "pg_current_xact_id_if_assigned", "pg_xact_status", "txid_status", "pg_current_snapshot", "txid_current_snapshot",
        "pg_get_keywords", "pg_client_encoding", "getdatabaseencoding", "pg_encoding_to_char", "pg_char_to_encoding",
        "pg_current_wal_lsn", "pg_current_wal_insert_lsn", "pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn",
        "pg_is_wal_replay_paused", "pg_get_wal_replay_pause_state", "pg_wal_lsn_diff", "pg_last_xact_replay_timestamp",
        "pg_sequence_last_value", "pg_sequence_parameters", "lo_get", "pg_lock_status", "pg_cursor",
        "pg_prepared_statement", "pg_available_extensions", "pg_available_extension_versions", "pg_timezone_names",
        "pg_timezone_abbrevs", "pg_control_checkpoint", "pg_control_system", "pg_control_init", "pg_control_recovery",
        "pg_xact_commit_timestamp", "pg_last_committed_xact", "pg_show_all_settings", "pg_settings_get_flags",
        // catalog introspection, as psql's \d family uses it
        "pg_get_userbyid", "format_type", "pg_get_expr", "pg_get_indexdef", "pg_get_constraintdef",
        "pg_get_triggerdef", "pg_get_viewdef", "pg_get_ruledef", "pg_get_functiondef", "pg_get_function_arguments",
        "pg_get_function_identity_arguments", "pg_get_function_result", "pg_get_function_sqlbody",
        "pg_get_partkeydef", "pg_get_partition_constraintdef", "pg_get_statisticsobjdef",
        "pg_get_statisticsobjdef_columns", "pg_get_statisticsobjdef_expressions", "pg_get_serial_sequence",
        "pg_get_replica_identity_index", "pg_get_catalog_foreign_keys", "obj_description", "col_description",
        "shobj_description", "pg_describe_object", "pg_identify_object", "pg_identify_object_as_address",
        "pg_get_object_address", "pg_relation_size", "pg_total_relation_size", "pg_table_size", "pg_indexes_size",
        "pg_database_size", "pg_tablespace_size", "pg_size_pretty", "pg_size_bytes", "pg_relation_filenode",
        "pg_relation_filepath", "pg_filenode_relation", "pg_tablespace_location", "pg_tablespace_databases",
        "pg_table_is_visible", "pg_type_is_visible", "pg_function_is_visible", "pg_operator_is_visible",
        "pg_opclass_is_visible", "pg_opfamily_is_visible", "pg_collation_is_visible", "pg_conversion_is_visible",
        "pg_statistics_obj_is_visible", "pg_ts_config_is_visible", "pg_ts_dict_is_visible", "pg_ts_parser_is_visible",
        "pg_ts_template_is_visible", "has_any_column_privilege", "has_column_privilege", "has_database_privilege",
        "has_foreign_data_wrapper_privilege", "has_function_privilege", "has_language_privilege",
        "has_parameter_privilege", "has_schema_privilege", "has_sequence_privilege", "has_server_privilege",
        "has_table_privilege", "has_tablespace_privilege", "has_type_privilege", "pg_has_role", "row_security_active",
        "pg_options_to_table", "pg_partition_tree", "pg_partition_ancestors", "pg_partition_root",
        "pg_relation_is_publishable", "pg_get_publication_tables", "pg_index_column_has_property",
        "pg_index_has_property", "pg_indexam_has_property", "pg_indexam_progress_phasename",
        "pg_collation_actual_version", "pg_get_backend_memory_contexts", "pg_stat_get_activity",
        "pg_stat_get_progress_info", "pg_stat_get_wal_receiver", "pg_stat_get_subscription",
    ]);

    /// <summary>Built-ins that change data: sequences, large objects and notifications.</summary>
    private static readonly FrozenSet<string> Writes = FrozenSet.Create(StringComparer.Ordinal,
    [
        "nextval", "setval", "lo_create", "lo_creat", "lo_unlink", "lo_from_bytea", "lo_put", "lowrite", "lo_truncate",
        "lo_truncate64", "pg_notify",
    ]);

    /// <summary>Built-ins that signal the server, touch its files, or replicate; a user function of the same name is held as well.</summary>
    private static readonly FrozenSet<string> Admin = FrozenSet.Create(StringComparer.Ordinal,
    [
        "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_promote",
        "pg_read_file", "pg_read_binary_file", "pg_stat_file", "lo_import", "lo_export", "pg_switch_wal",
        "pg_switch_xlog", "pg_create_restore_point", "pg_backup_start", "pg_backup_stop", "pg_start_backup",
        "pg_stop_backup", "pg_logical_emit_message", "pg_wal_replay_pause", "pg_wal_replay_resume",
        "pg_log_backend_memory_contexts", "pg_import_system_collations", "pg_show_all_file_settings",
        "pg_hba_file_rules", "pg_ident_file_mappings", "pg_file_write", "pg_file_rename",
        "pg_file_unlink", "pg_file_sync", "pg_logdir_ls",
    ]);

    // Families whose every member is administrative: pg_ls_dir/pg_ls_waldir/..., slots, origins, dblink_exec/...
    private static readonly string[] AdminPrefixes =
        ["pg_ls_", "pg_stat_reset", "pg_replication_origin_", "pg_logical_slot_", "pg_replication_slot_", "dblink"];

    private static readonly string[] AdminInfixes = ["_replication_slot"];

    /// <summary>What a call to <paramref name="schema"/>.<paramref name="name"/> does, before any caller-supplied safe list.</summary>
    /// <returns>None when the function is a known read-only built-in; Opaque when nothing is known about it.</returns>
    public static StatementClass ClassOf(string? schema, string name)
    {
        if (IsAdmin(name)) return StatementClass.Admin;
        var builtin = schema is null || schema == "pg_catalog";
        if (!builtin) return StatementClass.Opaque;
        if (Writes.Contains(name)) return StatementClass.Write;
        return Safe.Contains(name) ? StatementClass.None : StatementClass.Opaque;
    }

    private static bool IsAdmin(string name)
    {
        if (Admin.Contains(name)) return true;
        foreach (var prefix in AdminPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        foreach (var infix in AdminInfixes)
        {
            if (name.Contains(infix, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>
    /// Whether giving <paramref name="setting"/> this value (null: not a constant string) would make the server read
    /// later SQL differently from how TicketGate's parser (UTF-8, standard-conforming strings) reads it, which would let
    /// a later statement hide inside what looks like a string literal.
    /// </summary>
    public static bool ChangesHowSqlIsRead(string setting, string? value)
    {
        if (setting.Equals("standard_conforming_strings", StringComparison.OrdinalIgnoreCase))
            return !(value is not null && (value.Equals("on", StringComparison.OrdinalIgnoreCase)
                || value.Equals("true", StringComparison.OrdinalIgnoreCase)));
        if (setting.Equals("client_encoding", StringComparison.OrdinalIgnoreCase))
            return !(value is not null && (value.Replace("-", "").Replace("_", "").Equals("utf8", StringComparison.OrdinalIgnoreCase)
                || value.Equals("unicode", StringComparison.OrdinalIgnoreCase)));
        return false;
    }

    /// <summary>set_config changes the session's identity when it targets these settings (their names are case-insensitive).</summary>
    public static bool IsIdentitySetting(string setting) =>
        setting.Equals("role", StringComparison.OrdinalIgnoreCase)
        || setting.Equals("session_authorization", StringComparison.OrdinalIgnoreCase);
}
