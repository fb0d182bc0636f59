return await TicketGate.Proxy.Cli.TicketGateCli.RunAsync(args);
