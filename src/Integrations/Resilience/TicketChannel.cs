using System.Net;
using System.Net.Sockets;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using RestSharp;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.Resilience;

/// <summary>
/// The path every call to one ticket system takes: retries with jitter on network errors, 429 (waiting as Retry-After says),
/// 502, 503 and 504 — never on other 4xx — inside a circuit breaker whose open state is <see cref="IsAvailable"/>.
/// </summary>
public sealed class TicketChannel : ITicketChannelHealth
{
    private static readonly ResiliencePropertyKey<CallKind> KindKey = new("ticketgate.call-kind");

    private readonly ResiliencePipeline<RestResponse> _pipeline;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly TicketChannelOptions _options;
    private long _openUntilTicks;

    public TicketChannel(string system, TicketChannelOptions options)
    {
        System = system;
        _options = options;
        var builder = new ResiliencePipelineBuilder<RestResponse>();
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<RestResponse>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result is { } r && ShouldRetry(r, args.Context.Properties.GetValue(KindKey, CallKind.Repeatable))),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } r ? RetryAfter.From(r, DateTimeOffset.UtcNow) : null),
            });
        }
        _pipeline = builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<RestResponse>
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                StateProvider = _circuit,
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref _openUntilTicks, (DateTimeOffset.UtcNow + args.BreakDuration).UtcTicks);
                    return ValueTask.CompletedTask;
                },
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { } r && IsOutage(r)),
            })
            .Build();
    }

    public string System { get; }

    /// <summary>
    /// False only while the circuit is open and its break lasts. Polly moves to half-open on the next call, not by itself; once the
    /// break is over the channel counts as available, so the next request is the probe rather than a fallback decision.
    /// </summary>
    public bool IsAvailable => _circuit.CircuitState switch
    {
        CircuitState.Closed or CircuitState.HalfOpen => true,
        CircuitState.Open => DateTimeOffset.UtcNow.UtcTicks >= Interlocked.Read(ref _openUntilTicks),
        _ => false,
    };

    public TimeSpan AttemptTimeout => _options.AttemptTimeout;

    /// <summary>Runs <paramref name="send"/> through retries and the circuit; returns the last response, whatever its status.</summary>
    public async Task<RestResponse> SendAsync(Func<CancellationToken, Task<RestResponse>> send, CallKind kind, string operation,
        CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(KindKey, kind);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (ctx, state) =>
                {
                    var response = await state(ctx.CancellationToken).ConfigureAwait(false);
                    ctx.CancellationToken.ThrowIfCancellationRequested();
                    return response;
                },
                context, send).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new TicketChannelUnavailableException(System, operation, e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private bool ShouldRetry(RestResponse response, CallKind kind)
    {
        if (IsNetworkFailure(response)) return kind == CallKind.Repeatable || IsRefused(response);
        switch (response.StatusCode)
        {
            case HttpStatusCode.TooManyRequests:
                var wait = RetryAfter.From(response, DateTimeOffset.UtcNow);
                return wait is null || wait <= _options.MaxRetryAfter;
            case HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout:
                // A create may have been committed behind a failing gateway; only the create-once search may decide that.
                return kind == CallKind.Repeatable;
            default:
                return false;
        }
    }

    /// <summary>What says the system itself is unwell (not that it throttles or dislikes our request).</summary>
    private static bool IsOutage(RestResponse response) => IsNetworkFailure(response) || (int)response.StatusCode >= 500;

    public static bool IsNetworkFailure(RestResponse response) =>
        response.StatusCode == 0 && response.ResponseStatus is ResponseStatus.Error or ResponseStatus.TimedOut;

    private static bool IsRefused(RestResponse response)
    {
        for (var e = response.ErrorException; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }) return true;
        }
        return false;
    }
}
