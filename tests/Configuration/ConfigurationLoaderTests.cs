using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Policy;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Configuration;

public sealed class ConfigurationLoaderTests : IDisposable
{
    private readonly ConfigFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Example_file_in_docker_folder_loads_once_its_files_and_variables_exist()
    {
        var staging = folder.WriteFile("shop-staging", "staging-s3cret\n");
        Directory.CreateDirectory(Path.Combine(folder.Path, "workflows"));
        folder.WriteFile("masking.key", "a-random-masking-key-of-32-bytes-or-more\n");
        folder.WriteFile("studio-client-secret", "studio-s3cret\n");
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot(), "docker", "ticketgate.example.yaml"))
            .Replace("/etc/ticketgate/", folder.Path + "/")
            .Replace("TG_STATE_DB", folder.StateDbVariable)
            .Replace("SHOP_PROD_PASSWORD", folder.PasswordVariable)
            .Replace("/run/secrets/shop-staging", staging);

        var options = ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.example.yaml", folder.Path);

        Assert.Equal("https://example.okta.com/oauth2/default", options.Oidc.Authority);
        Assert.Equal("api://ticketgate", options.Oidc.Audience);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Oidc.ClockSkew);
        Assert.Equal(("0.0.0.0", 5432), (options.Postgres.Address, options.Postgres.Port));
        Assert.Equal(Path.Combine(folder.Path, "tls.crt"), options.Postgres.CertificateFile);
        Assert.Equal(("0.0.0.0", 8080), (options.Http.Address, options.Http.Port));
        Assert.Equal("https://ticketgate.example.com", options.Http.PublicUrl);
        Assert.Equal(folder.StateDbVariable, options.StateDatabase.ConnectionStringSecret?.Environment);
        Assert.Equal(("ticketgate-studio", Path.Combine(folder.Path, "studio-client-secret")), (options.Studio.ClientId, options.Studio.ClientSecret?.File));

        var prod = options.Connections["shop-prod"];
        Assert.Equal(("db1.internal", 5432, "shop", "ticketgate", "require"), (prod.Host, prod.Port, prod.Database, prod.User, prod.SslMode));
        Assert.Equal(folder.PasswordVariable, prod.Password.Environment);
        Assert.Equal("payments", prod.Tags["team"]);
        Assert.Equal(["dba"], prod.ApproverGroups);
        Assert.Equal(staging, options.Connections["shop-staging"].Password.File);
        Assert.Equal("prefer", options.Connections["shop-staging"].SslMode);

        Assert.Equal(7, options.Policy.Rules.Count);
        Assert.Equal(("block-privilege-changes", RiskTier.Critical), (options.Policy.Rules[0].Name, options.Policy.Rules[0].Tier));
        Assert.Equal(RiskTier.Medium, options.Policy.Rules[6].Tier);
        Assert.Equal(["my_schema.pure_fn"], options.Policy.SafeFunctions);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.Audit.FlushInterval);
        Assert.Equal((50_000, 1_000), (options.Audit.QueueCapacity, options.Audit.BatchSize));
        Assert.Equal(Path.Combine(folder.Path, "workflows"), options.Workflows.Directory);
        Assert.Equal(("approval", TicketSystems.ServiceNow), (options.Workflows.Approvals.For("shop-prod").DefinitionId, options.Workflows.Approvals.For("shop-prod").TicketSystem));
        Assert.Equal(TicketSystems.Jira, options.Workflows.Approvals.For("shop-staging").TicketSystem);
        Assert.Equal(Path.Combine(folder.Path, "masking.key"), options.MaskingKey?.File);
        Assert.Equal(16L * 1024 * 1024, options.Recording.MaxBytesPerSession);
        var masking = prod.Masking;
        Assert.True(masking.Strict);
        Assert.Equal(SensitiveDataKinds.All, masking.Detectors);
        Assert.Contains(new ColumnMask("public", "customers", "email", MaskStyle.Hash), masking.Columns);
        Assert.Equal(4, masking.Columns.Count);
        Assert.True(options.Connections["shop-staging"].Masking.IsEmpty);
    }

    [Fact]
    public void Workflow_binding_of_an_unknown_connection_or_ticket_system_is_refused()
    {
        var yaml = folder.ValidYaml() + """

            workflows:
              ticket_system: remedy
              connections:
                shop-qa: { definition: approval }
            """;

        var error = Assert.Throws<ConfigurationException>(() => Load(yaml));

        Assert.Contains(error.Problems, p => p.KeyPath == "workflows.ticket_system" && p.Message.Contains("use jira or servicenow", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.KeyPath == "workflows.connections.shop-qa" && p.Message.Contains("there is no connection 'shop-qa'", StringComparison.Ordinal));
    }

    [Fact]
    public void Workflows_default_to_approval_json_beside_the_executable()
    {
        var options = Load(folder.ValidYaml());

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "workflows"), options.Workflows.ResolveDirectory());
        Assert.Equal(ApprovalWorkflowBindings.DefaultApprovalDefinition, options.Workflows.Approvals.For("shop-prod").DefinitionId);
    }

    [Fact]
    public void Minimal_config_gets_defaults_and_the_built_in_policy()
    {
        var options = Load(folder.ValidYaml());

        Assert.Equal(("127.0.0.1", 15480), (options.Http.Address, options.Http.Port));
        Assert.Equal(50_000, options.Audit.QueueCapacity);
        Assert.Equal("groups", options.Oidc.GroupsClaim);
        Assert.Same(DefaultPolicy.Definition, options.Policy);
        Assert.Equal(DefaultPolicy.SourceName, options.PolicySource);
    }

    [Fact]
    public void Load_reads_the_file_and_resolves_paths_against_its_folder()
    {
        var path = folder.WriteFile("ticketgate.yaml", folder.ValidYaml());
        var options = ConfigurationLoader.Load(path);
        Assert.Equal(Path.Combine(folder.Path, "tls.key"), options.Postgres.KeyFile);
    }

    [Fact]
    public void Missing_file_is_reported_with_its_path()
    {
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(Path.Combine(folder.Path, "nope.yaml")));
        Assert.Contains("nope.yaml", e.Message);
        Assert.Contains("can't read the config file", e.Message);
    }

    [Fact]
    public void Missing_required_key_names_its_path_and_the_file()
    {
        var e = Fails(folder.ValidYaml().Replace("  audience: api://ticketgate\n", ""));
        Assert.StartsWith("ticketgate.yaml: oidc.audience (line 2, column 3): is missing", e.Message);
    }

    [Fact]
    public void Wrong_type_names_the_key_and_what_was_found()
    {
        var e = Fails(folder.ValidYaml().Replace("port: 5432", "port: many"));
        Assert.Contains("connections.shop-prod.port (line 12, column 11): expected a whole number, found 'many'", e.Message);
    }

    [Fact]
    public void Port_out_of_range_is_refused()
    {
        var e = Fails(folder.ValidYaml().Replace("port: 5432", "port: 70000"));
        Assert.Contains("connections.shop-prod.port", e.Message);
        Assert.Contains("70000 is out of range; use a number from 1 to 65535", e.Message);
    }

    [Fact]
    public void Listen_address_without_a_port_is_refused()
    {
        var e = Fails(folder.ValidYaml().Replace("listen: 0.0.0.0:5432", "listen: 0.0.0.0"));
        Assert.Contains("postgres.listen", e.Message);
        Assert.Contains("'0.0.0.0' is not a listen address", e.Message);
    }

    [Fact]
    public void Ipv6_listen_address_is_accepted()
    {
        var options = Load(folder.ValidYaml().Replace("listen: 0.0.0.0:5432", "listen: '[::]:6432'"));
        Assert.Equal(("::", 6432), (options.Postgres.Address, options.Postgres.Port));
    }

    [Fact]
    public void Misspelt_key_is_an_error_listing_the_keys_expected()
    {
        var e = Fails(folder.ValidYaml().Replace("    port: 5432", "    prot: 5432"));
        Assert.Contains("connections.shop-prod.prot (line 12, column 5): unknown key 'prot'; expected one of:", e.Message);
        Assert.Contains("port", e.Message);
    }

    [Fact]
    public void Misspelt_top_level_section_is_an_error_rather_than_a_silently_default_policy()
    {
        var e = Fails(folder.ValidYaml() + "\npolciy:\n  default_tier: low\n");
        Assert.Contains("polciy", e.Message);
        Assert.Contains("unknown key", e.Message);
    }

    [Fact]
    public void Every_problem_is_reported_in_one_run()
    {
        var e = Fails(folder.ValidYaml().Replace("port: 5432", "port: 0").Replace("  audience: api://ticketgate\n", ""));
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains("2 problems", e.Message);
        Assert.Contains("oidc.audience", e.Message);
        Assert.Contains("connections.shop-prod.port", e.Message);
    }

    [Fact]
    public void Broken_yaml_is_reported_with_its_line()
    {
        var e = Fails(folder.ValidYaml().Replace("  audience: api://ticketgate", "  audience: [api://ticketgate"));
        Assert.Contains("line", e.Message);
        Assert.Contains("not valid YAML", e.Message);
    }

    [Fact]
    public void Same_connection_defined_twice_is_an_error()
    {
        var yaml = folder.ValidYaml() + $"\n  shop-prod:\n    host: h\n    database: d\n    user: u\n    password: {{ env: {folder.PasswordVariable} }}\n";
        var e = Fails(yaml);
        Assert.Contains("Duplicate key", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Connection_name_must_be_an_identifier()
    {
        var e = Fails(folder.ValidYaml().Replace("  shop-prod:", "  shop prod!:"));
        Assert.Contains("'shop prod!' is not a valid connection name", e.Message);
    }

    [Fact]
    public void Tls_files_must_exist()
    {
        var e = Fails(folder.ValidYaml().Replace("certificate: tls.crt", "certificate: missing.crt"));
        Assert.Contains("postgres.tls.certificate", e.Message);
        Assert.Contains($"the file {Path.Combine(folder.Path, "missing.crt")} does not exist", e.Message);
    }

    [Fact]
    public void Tls_is_required_unless_insecure()
    {
        var withoutTls = folder.ValidYaml().Replace("  tls: { certificate: tls.crt, key: tls.key }\n", "");
        Assert.Contains("postgres.tls", Fails(withoutTls).Message);

        var options = Load(withoutTls.Replace("postgres:\n", "postgres:\n  insecure: true\n"));
        Assert.True(options.Postgres.Insecure);
        Assert.Null(options.Postgres.CertificateFile);
    }

    [Fact]
    public void Http_authority_needs_require_https_metadata_off()
    {
        var http = folder.ValidYaml().Replace("https://example.okta.com", "http://127.0.0.1:9000");
        Assert.Contains("oidc.authority", Fails(http).Message);

        var options = Load(http.Replace("oidc:\n", "oidc:\n  require_https_metadata: false\n"));
        Assert.Equal("http://127.0.0.1:9000/oauth2/default", options.Oidc.Authority);
    }

    [Fact]
    public void Unset_password_variable_is_named_in_the_error()
    {
        var e = Fails(folder.ValidYaml().Replace($"env: {folder.PasswordVariable}", "env: TG_TEST_NEVER_SET"));
        Assert.Contains("connections.shop-prod.password", e.Message);
        Assert.Contains("env:TG_TEST_NEVER_SET", e.Message);
        Assert.Contains("is not set", e.Message);
    }

    [Fact]
    public void Password_file_is_resolved_relative_to_the_config_and_must_exist()
    {
        var viaFile = folder.ValidYaml().Replace($"{{ env: {folder.PasswordVariable} }}", "{ file: shop-staging.secret }");
        Assert.Equal(Path.Combine(folder.Path, "shop-staging.secret"), Load(viaFile).Connections["shop-prod"].Password.File);

        var e = Fails(viaFile.Replace("shop-staging.secret", "gone.secret"));
        Assert.Contains("connections.shop-prod.password", e.Message);
        Assert.Contains("gone.secret", e.Message);
    }

    [Fact]
    public void Secret_reference_needs_exactly_one_of_env_and_file()
    {
        var both = folder.ValidYaml().Replace($"{{ env: {folder.PasswordVariable} }}", $"{{ env: {folder.PasswordVariable}, file: shop-staging.secret }}");
        var e = Fails(both);
        Assert.Contains("connections.shop-prod.password (line 15, column 15): give exactly one of env and file", e.Message);

        var neither = folder.ValidYaml().Replace($"{{ env: {folder.PasswordVariable} }}", "{ }");
        Assert.Contains("connections.shop-prod.password", Fails(neither).Message);
    }

    [Fact]
    public void Password_written_inline_is_refused_without_repeating_it()
    {
        var e = Fails(folder.ValidYaml().Replace($"{{ env: {folder.PasswordVariable} }}", "hunter2-inline"));
        Assert.Contains("connections.shop-prod.password", e.Message);
        Assert.Contains("secrets can't be written in the config file", e.Message);
        Assert.DoesNotContain("hunter2-inline", e.Message);
    }

    [Fact]
    public void State_database_connection_string_with_a_password_is_refused_without_repeating_it()
    {
        var yaml = folder.ValidYaml().Replace($"connection_string_env: {folder.StateDbVariable}",
            "connection_string: Host=db;Username=tg;Password=inline-s3cret");
        var e = Fails(yaml);
        Assert.Contains("state_database.connection_string", e.Message);
        Assert.Contains("holds a password", e.Message);
        Assert.DoesNotContain("inline-s3cret", e.Message);
    }

    [Theory]
    [InlineData("state_database: Host=db;Password=pasted-s3cret")]
    [InlineData("state_database:\n  connection_string_env: Host=db;Password=pasted-s3cret")]
    public void Connection_string_pasted_in_the_wrong_place_is_not_repeated(string stateDatabase)
    {
        var yaml = folder.ValidYaml().Replace($"state_database:\n  connection_string_env: {folder.StateDbVariable}", stateDatabase);
        var e = Fails(yaml);
        Assert.Contains("state_database", e.Message);
        Assert.DoesNotContain("pasted-s3cret", e.Message);
    }

    [Fact]
    public void State_database_connection_string_without_a_password_is_kept_as_written()
    {
        var options = Load(folder.ValidYaml().Replace($"connection_string_env: {folder.StateDbVariable}",
            "connection_string: Host=/var/run/postgresql;Database=ticketgate;Username=tg"));
        Assert.Equal("Host=/var/run/postgresql;Database=ticketgate;Username=tg", options.StateDatabase.ReadConnectionString());
    }

    [Fact]
    public void State_database_needs_exactly_one_source()
    {
        var yaml = folder.ValidYaml().Replace($"connection_string_env: {folder.StateDbVariable}",
            $"connection_string_env: {folder.StateDbVariable}\n  connection_string_file: state.txt");
        var e = Fails(yaml);
        Assert.Contains("state_database (line 8, column 3): give exactly one of", e.Message);
    }

    [Fact]
    public void Secret_values_stay_out_of_options_and_errors()
    {
        var options = Load(folder.ValidYaml());
        Assert.Equal("Host=localhost;Database=ticketgate;Username=tg;Password=state-db-s3cret", options.StateDatabase.ReadConnectionString());
        Assert.Equal("shop-prod-s3cret", options.Connections["shop-prod"].Password.Read());
        Assert.DoesNotContain("s3cret", options.StateDatabase.ToString());
        Assert.DoesNotContain("s3cret", options.Connections["shop-prod"].Password.ToString());

        var e = Fails(folder.ValidYaml().Replace("port: 5432", "port: x").Replace("audience: api://ticketgate", "audience: [a]"));
        Assert.DoesNotContain("s3cret", e.Message);
    }

    [Fact]
    public void Durations_take_units_and_reject_bare_numbers()
    {
        var options = Load(folder.ValidYaml() + "\naudit:\n  flush_interval: 1h\n");
        Assert.Equal(TimeSpan.FromHours(1), options.Audit.FlushInterval);

        var e = Fails(folder.ValidYaml() + "\naudit:\n  flush_interval: 200\n");
        Assert.Contains("audit.flush_interval", e.Message);
        Assert.Contains("'200' is not a duration", e.Message);
    }

    [Fact]
    public void Audit_batch_larger_than_queue_is_refused()
    {
        var e = Fails(folder.ValidYaml() + "\naudit:\n  queue_capacity: 10\n  batch_size: 100\n");
        Assert.Contains("audit.batch_size", e.Message);
    }

    private TicketGateOptions Load(string yaml) => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", folder.Path);

    private ConfigurationException Fails(string yaml) =>
        Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", folder.Path));

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TicketGate.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"TicketGate.sln not found above {AppContext.BaseDirectory}.");
    }
}
