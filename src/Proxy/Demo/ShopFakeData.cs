namespace TicketGate.Proxy.Demo;

internal sealed record ShopCustomer(int Id, string Name, string Email, string CardNumber, string NationalId, string Phone, DateTime CreatedAt);
internal sealed record ShopOrder(int Id, int CustomerId, decimal Total, string Status, DateTime CreatedAt);
internal sealed record ShopPayment(int Id, int OrderId, string CardNumber, decimal Amount, DateTime PaidAt);

/// <summary>
/// The demo shop's made-up people and purchases. A fixed seed makes every run produce the same rows, so demos and
/// tests can name a customer and expect the same answer.
/// </summary>
internal sealed class ShopFakeData
{
    public const int CustomerCount = 300;
    public const int OrderCount = 600;
    public const int PaymentCount = 500;

    private const int Seed = 20240601;
    private static readonly DateTime ShopOpened = new(2023, 1, 2, 9, 0, 0, DateTimeKind.Utc);

    private static readonly string[] FirstNames =
    [
        "Ada", "Ben", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya", "Nils",
        "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno",
        "Chloe", "Diego",
    ];

    private static readonly string[] LastNames =
    [
        "Abbott", "Baker", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ivanova", "Jensen", "Kowalski",
        "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga",
        "Weber", "Xu", "Yilmaz", "Zimmer", "Almeida", "Brennan", "Costa", "Duarte",
    ];

    // Ranges payment processors publish for testing; the check digit is computed so every number passes Luhn.
    private static readonly (string Prefix, int Length)[] CardRanges =
        [("400000", 16), ("424242", 16), ("555555", 16), ("222300", 16), ("378282", 15), ("601100", 16)];

    private static readonly string[] UnpaidStatuses = ["pending", "cancelled"];
    private static readonly string[] PaidStatuses = ["paid", "shipped", "delivered", "delivered", "delivered", "refunded"];

    private ShopFakeData(ShopCustomer[] customers, ShopOrder[] orders, ShopPayment[] payments)
    {
        Customers = customers;
        Orders = orders;
        Payments = payments;
    }

    public IReadOnlyList<ShopCustomer> Customers { get; }
    public IReadOnlyList<ShopOrder> Orders { get; }
    public IReadOnlyList<ShopPayment> Payments { get; }

    public static ShopFakeData Generate()
    {
#pragma warning disable CA5394 // Reproducible fake data needs a seeded generator, not a secure one.
        var random = new Random(Seed);
        var customers = new ShopCustomer[CustomerCount];
        for (var i = 0; i < CustomerCount; i++)
        {
            var id = i + 1;
            var first = FirstNames[random.Next(FirstNames.Length)];
            var last = LastNames[random.Next(LastNames.Length)];
            var (prefix, length) = CardRanges[random.Next(CardRanges.Length)];
            customers[i] = new ShopCustomer(
                id,
                first + " " + last,
                $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{id}@example.com",
                LuhnCardNumber(prefix, length, random),
                NationalId(random),
                $"+1-{random.Next(201, 990)}-555-01{random.Next(0, 100):00}",
                ShopOpened.AddDays(i).AddMinutes(random.Next(0, 12 * 60)));
        }

        // Exactly PaymentCount orders are paid; the rest are still pending or were cancelled.
        var paid = new bool[OrderCount];
        var order = Enumerable.Range(0, OrderCount).ToArray();
        random.Shuffle(order);
        for (var i = 0; i < PaymentCount; i++) paid[order[i]] = true;

        var orders = new ShopOrder[OrderCount];
        var payments = new ShopPayment[PaymentCount];
        var paymentIndex = 0;
        for (var i = 0; i < OrderCount; i++)
        {
            var customer = customers[random.Next(CustomerCount)];
            var total = decimal.Round(random.Next(500, 100_000) / 100m, 2);
            var statuses = paid[i] ? PaidStatuses : UnpaidStatuses;
            var created = customer.CreatedAt.AddDays(random.Next(1, 400)).AddMinutes(random.Next(0, 24 * 60));
            orders[i] = new ShopOrder(i + 1, customer.Id, total, statuses[random.Next(statuses.Length)], created);
            if (paid[i])
            {
                payments[paymentIndex] = new ShopPayment(
                    paymentIndex + 1, i + 1, customer.CardNumber, total, created.AddMinutes(random.Next(1, 120)));
                paymentIndex++;
            }
        }
#pragma warning restore CA5394
        return new ShopFakeData(customers, orders, payments);
    }

    /// <summary>True when the digits pass the Luhn check card networks use.</summary>
    public static bool PassesLuhn(string digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9) return false;
            if (doubleIt)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return digits.Length > 0 && sum % 10 == 0;
    }

#pragma warning disable CA5394
    private static string LuhnCardNumber(string prefix, int length, Random random)
    {
        Span<char> digits = stackalloc char[length];
        prefix.AsSpan().CopyTo(digits);
        for (var i = prefix.Length; i < length - 1; i++) digits[i] = (char)('0' + random.Next(10));
        for (var check = 0; check < 10; check++)
        {
            digits[length - 1] = (char)('0' + check);
            if (PassesLuhn(new string(digits))) break;
        }
        return new string(digits);
    }

    /// <summary>US SSN shape (AAA-GG-SSSS) avoiding the numbers never issued: area 000, 666 or 9xx, group 00, serial 0000.</summary>
    private static string NationalId(Random random)
    {
        int area;
        do area = random.Next(1, 900); while (area == 666);
        return $"{area:000}-{random.Next(1, 100):00}-{random.Next(1, 10_000):0000}";
    }
#pragma warning restore CA5394
}
