// Socket completions run inline on the event threads (with Kestrel's inline scheduling, see GatewayHost): read once, when
// the socket engine first starts, so it must be set before any socket exists. An explicit setting in the environment wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}
return await TicketGate.Proxy.Cli.TicketGateCli.RunAsync(args);
