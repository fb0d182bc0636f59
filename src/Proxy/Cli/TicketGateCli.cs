namespace TicketGate.Proxy.Cli;

public static class TicketGateCli
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(0);
}
