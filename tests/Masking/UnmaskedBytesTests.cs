using System.Buffers.Binary;
using System.Text;
using TicketGate.Tests.Fixtures;
using TicketGate.Tests.Postgres;

namespace TicketGate.Tests.Masking;

public sealed class UnmaskedBytesTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private MaskedShop _shop = null!;

    public async ValueTask InitializeAsync() => _shop = await MaskedShop.StartAsync(postgres);

    public ValueTask DisposeAsync() => _shop.DisposeAsync();

    [Fact]
    public async Task Unmasked_columns_keep_their_exact_bytes_beside_masked_ones()
    {
        await using var client = await WireClient.ConnectAsync(_shop.Gateway);
        await client.Query("SELECT id, name, card_number, created FROM customers, (SELECT 'x  y\t€'::text AS created) extra ORDER BY id").SendAsync();
        var rows = (await client.ReadUntilReadyAsync()).Where(m => m.Code == 'D').ToList();

        Assert.Equal(3, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var expected = new[] { Encoding.UTF8.GetBytes((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Encoding.UTF8.GetBytes($"customer {i + 1}"), null, Encoding.UTF8.GetBytes("x  y\t€") };
            var values = Values(rows[i].Body);
            Assert.Equal(expected[0], values[0]);
            Assert.Equal(expected[1], values[1]);
            Assert.Equal("****" + MaskedShop.Cards[i][^4..], Encoding.UTF8.GetString(values[2]!));
            Assert.Equal(expected[3], values[3]);
        }
    }

    [Fact]
    public async Task A_row_with_nothing_to_mask_passes_unchanged()
    {
        await using var client = await WireClient.ConnectAsync(_shop.Gateway);
        await client.Query("SELECT id, name, 'note: 12 apples, call 555 at noon' FROM customers ORDER BY id").SendAsync();
        var rows = (await client.ReadUntilReadyAsync()).Where(m => m.Code == 'D').ToList();

        var expected = new List<byte>();
        expected.AddRange([0, 3]);
        foreach (var value in new[] { "1", "customer 1", "note: 12 apples, call 555 at noon" })
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            expected.AddRange(length);
            expected.AddRange(bytes);
        }
        Assert.Equal(expected.ToArray(), rows[0].Body);
    }

    private static byte[]?[] Values(byte[] body)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var values = new byte[]?[count];
        var pos = 2;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(pos));
            pos += 4;
            if (length < 0) continue;
            values[i] = body.AsSpan(pos, length).ToArray();
            pos += length;
        }
        return values;
    }
}
