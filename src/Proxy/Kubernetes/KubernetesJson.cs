using System.Text.Json.Serialization;

namespace TicketGate.Proxy.Kubernetes;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StatusBody))]
[JsonSerializable(typeof(Credentials.ExecCredential))]
internal sealed partial class KubernetesJson : JsonSerializerContext;
