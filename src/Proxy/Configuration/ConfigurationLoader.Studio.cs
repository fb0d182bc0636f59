namespace TicketGate.Proxy.Configuration;

public static partial class ConfigurationLoader
{
    /// <summary><c>studio: { client_id, client_secret: { env | file }, scopes, bundle_directory }</c>.</summary>
    private static StudioOptions ReadStudio(YamlSection? section)
    {
        if (section is null) return new StudioOptions();
        var defaults = new StudioOptions();
        string? bundle = null;
        if (section.Text("bundle_directory") is { } text)
        {
            bundle = Path.GetFullPath(text, section.BaseDirectory);
            if (!Directory.Exists(Path.Combine(bundle, "_framework")))
            {
                section.Problem("bundle_directory", $"{bundle} has no _framework folder; point it at the installed @elsa-workflows/elsa-studio-wasm package");
            }
        }
        var options = new StudioOptions
        {
            ClientId = section.Text("client_id") ?? defaults.ClientId,
            ClientSecret = section.Secret("client_secret"),
            Scopes = section.Text("scopes") ?? defaults.Scopes,
            BundleDirectory = bundle,
        };
        section.RejectUnknownKeys();
        return options;
    }
}
