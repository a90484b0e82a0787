using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// 10,000+ malformed or adversarial AdmissionReviews (seeded, so a failure replays): no 5xx, no
/// crash, and the server still answers a valid review afterwards.
/// </summary>
[Collection(WebhookCollection.Name)]
public sealed class FuzzTests(WebhookFixture fixture)
{
    private const int Count = 10_240;

    private static readonly string[] Paths =
        [WebhookEndpoints.MutatePath, .. AdmissionHandler.ValidatedKinds.Keys.Select(k => WebhookEndpoints.ValidatePrefix + k)];

    [Fact]
    public async Task Malformed_reviews_never_get_a_5xx()
    {
        var ns = fixture.NewNamespace("fuzz");
        var valid = Review("UPDATE", MinimalCluster(ns), MinimalCluster(ns));
        var validText = valid.ToJsonString();
        var statuses = new int[600];
        var failures = new List<string>();
        var next = -1;

        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Count)
            {
                var random = new Random(i);
                var body = Generate(random, valid, validText);
                var path = Paths[random.Next(Paths.Length)];
                using var content = new ByteArrayContent(body);
                using var response = await fixture.Http.PostAsync(path, content);
                var status = response.StatusCode;
                Interlocked.Increment(ref statuses[(int)status]);
                if ((int)status >= 500)
                {
                    lock (failures)
                        failures.Add($"case {i} on {path}: {(int)status}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(Worker)));

        Assert.Empty(failures);
        Assert.Equal(Count, statuses.Sum());
        Assert.True(statuses[400] > Count / 2, $"most cases should be refused as malformed; 400s: {statuses[400]}, 200s: {statuses[200]}");
        var (after, body2, _) = await fixture.PostAsync(WebhookEndpoints.MutatePath, Review("CREATE", MinimalCluster(ns)));
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.True(body2!["response"]!["allowed"]!.GetValue<bool>());
    }

    private static byte[] Generate(Random random, JsonObject valid, string validText)
    {
        switch (random.Next(7))
        {
            case 0:
            {
                var bytes = new byte[random.Next(0, 512)];
                random.NextBytes(bytes);
                return bytes;
            }
            case 1:
                return Encoding.UTF8.GetBytes(validText[..random.Next(validText.Length)]);
            case 2:
            {
                var depth = random.Next(50, 5000);
                var open = random.Next(2) == 0 ? "[" : "{\"a\":";
                var close = open == "[" ? "]" : "}";
                return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth)));
            }
            case 3:
            {
                var review = (JsonObject)valid.DeepClone();
                var huge = new string((char)('a' + random.Next(26)), random.Next(4_000, 64_000));
                SetRandomLeaf(random, review, JsonValue.Create(huge));
                return Encoding.UTF8.GetBytes(review.ToJsonString());
            }
            case 4:
            case 5:
            {
                var review = (JsonObject)valid.DeepClone();
                for (var n = random.Next(1, 4); n > 0; n--)
                    SetRandomLeaf(random, review, RandomValue(random));
                return Encoding.UTF8.GetBytes(review.ToJsonString());
            }
            default:
            {
                // Byte flips in an otherwise valid review.
                var bytes = Encoding.UTF8.GetBytes(validText);
                for (var n = random.Next(1, 8); n > 0; n--)
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(32, 127);
                return bytes;
            }
        }
    }

    private static JsonNode? RandomValue(Random random) => random.Next(8) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next()),
        2 => JsonValue.Create(random.NextDouble() * 1e300),
        3 => JsonValue.Create(random.Next(2) == 0),
        4 => new JsonArray(JsonValue.Create("x"), JsonValue.Create(1)),
        5 => new JsonObject { ["unexpected"] = "field" },
        6 => JsonValue.Create("-1Gi"),
        _ => JsonValue.Create("\u0000\ud7ff/~1~0"),
    };

    /// <summary>Replaces one randomly chosen node (an object member or array element) anywhere in the tree.</summary>
    private static void SetRandomLeaf(Random random, JsonNode root, JsonNode? value)
    {
        var current = root;
        while (true)
        {
            switch (current)
            {
                case JsonObject o when o.Count > 0:
                {
                    var key = o.ElementAt(random.Next(o.Count)).Key;
                    if (o[key] is JsonObject or JsonArray && random.Next(4) != 0)
                    {
                        current = o[key]!;
                        continue;
                    }
                    o[key] = value;
                    return;
                }
                case JsonArray a when a.Count > 0:
                {
                    var index = random.Next(a.Count);
                    if (a[index] is JsonObject or JsonArray && random.Next(4) != 0)
                    {
                        current = a[index]!;
                        continue;
                    }
                    a[index] = value;
                    return;
                }
                case JsonObject o:
                    o["injected"] = value;
                    return;
                case JsonArray a:
                    a.Add(value);
                    return;
                default:
                    return;
            }
        }
    }
}
