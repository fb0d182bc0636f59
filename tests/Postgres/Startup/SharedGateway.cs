using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres.Startup;

/// <summary>
/// One gateway for all tests of a class (a class fixture), for classes whose tests only open and refuse connections and so
/// leave nothing behind that another test could trip over. Subclasses change the options.
/// </summary>
public class SharedGateway(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private GatewayFixture? _gateway;

    public GatewayFixture Gateway => _gateway ?? throw new InvalidOperationException("the shared gateway has not started");

    protected virtual TicketGateOptions Configure(TicketGateOptions options) => options;

    public async ValueTask InitializeAsync() => _gateway = await GatewayFixture.StartAsync(postgres, Configure);

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
