namespace TicketGate.Tests.Identity;

/// <summary>One issuer host shared by a test class whose tests never rotate its key.</summary>
public sealed class IssuerFixture : IAsyncLifetime
{
    private IssuerHost? _host;

    public IssuerHost Host => _host ?? throw new InvalidOperationException("the issuer host has not started");

    public async ValueTask InitializeAsync() => _host = await IssuerHost.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}
