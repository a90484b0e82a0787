using System.Net;
using FsCheck;
using FsCheck.Fluent;
using MultigresOrleans.Grains.DataPlane;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Tests.DataPlane;

public sealed class GrpcWireTests
{
    [Fact]
    public void A_frame_is_a_zero_flag_and_a_big_endian_length()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 3, 8, 10, 0 }, GrpcWire.Frame([8, 10, 0]));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, GrpcWire.Frame([]));
        Assert.Equal((false, 0x01020304u), GrpcWire.ReadPrefix([0, 1, 2, 3, 4]));
        Assert.Equal((true, 5u), GrpcWire.ReadPrefix([1, 0, 0, 0, 5]));
    }

    [Theory]
    [InlineData(10_000, "10000m")]
    [InlineData(0.4, "1m")] // rounded up: the server never gives up first
    [InlineData(0, "1m")]
    [InlineData(-5, "1m")]
    [InlineData(99_999_999, "99999999m")]
    [InlineData(100_000_000, "100000S")]
    [InlineData(1e12, "16666667M")]
    [InlineData(7e12, "1944445H")]
    public void The_timeout_header_uses_at_most_eight_digits(double milliseconds, string expected) =>
        Assert.Equal(expected, GrpcWire.FormatTimeout(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a%20b%3A%20c", "a b: c")]
    [InlineData("%E2%9C%93 ok", "✓ ok")]
    [InlineData("100%", "100%")] // a lone % stays
    [InlineData("%zz%4", "%zz%4")]
    [InlineData("%FF", "\uFFFD")] // invalid UTF-8
    [InlineData("", "")]
    public void Grpc_message_is_percent_decoded_leniently(string raw, string expected) =>
        Assert.Equal(expected, GrpcWire.PercentDecode(raw));

    [Fact]
    public void Null_message_decodes_to_empty() => Assert.Equal(string.Empty, GrpcWire.PercentDecode(null));

    [Fact]
    public void Percent_encoding_round_trips_any_text() =>
        Prop.ForAll<string>(s =>
        {
            var text = s ?? string.Empty;
            var encoded = GrpcWire.PercentEncode(text);
            var valid = System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text)); // lone surrogates become U+FFFD
            return encoded.All(c => c is >= ' ' and <= '~') && GrpcWire.PercentDecode(encoded) == valid;
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, GrpcStatusCode.Internal)]
    [InlineData(HttpStatusCode.Unauthorized, GrpcStatusCode.Unauthenticated)]
    [InlineData(HttpStatusCode.Forbidden, GrpcStatusCode.PermissionDenied)]
    [InlineData(HttpStatusCode.NotFound, GrpcStatusCode.Unimplemented)]
    [InlineData(HttpStatusCode.TooManyRequests, GrpcStatusCode.Unavailable)]
    [InlineData(HttpStatusCode.BadGateway, GrpcStatusCode.Unavailable)]
    [InlineData(HttpStatusCode.ServiceUnavailable, GrpcStatusCode.Unavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout, GrpcStatusCode.Unavailable)]
    [InlineData(HttpStatusCode.InternalServerError, GrpcStatusCode.Unknown)]
    public void Http_status_maps_to_grpc_status(HttpStatusCode http, GrpcStatusCode expected) =>
        Assert.Equal(expected, GrpcWire.StatusFromHttp(http));

    [Theory]
    [InlineData(0x0, GrpcStatusCode.Internal)]
    [InlineData(0x2, GrpcStatusCode.Internal)]
    [InlineData(0x7, GrpcStatusCode.Unavailable)]
    [InlineData(0x8, GrpcStatusCode.Cancelled)]
    [InlineData(0xB, GrpcStatusCode.ResourceExhausted)]
    [InlineData(0xC, GrpcStatusCode.PermissionDenied)]
    public void Http2_reset_codes_map_to_grpc_status(long code, GrpcStatusCode expected) =>
        Assert.Equal(expected, GrpcWire.StatusFromHttp2Error(code));

    [Theory]
    [InlineData("0", GrpcStatusCode.Ok)]
    [InlineData("14", GrpcStatusCode.Unavailable)]
    [InlineData("16", GrpcStatusCode.Unauthenticated)]
    [InlineData("17", GrpcStatusCode.Unknown)]
    [InlineData("-1", GrpcStatusCode.Unknown)]
    [InlineData(" 3", GrpcStatusCode.Unknown)]
    [InlineData("x", GrpcStatusCode.Unknown)]
    [InlineData(null, GrpcStatusCode.Unknown)]
    public void Grpc_status_values_parse_0_to_16(string? value, GrpcStatusCode expected) =>
        Assert.Equal(expected, GrpcStatusCodes.Parse(value));

    [Fact]
    public void Every_code_has_its_canonical_name()
    {
        Assert.Equal("OK", GrpcStatusCode.Ok.Name());
        Assert.Equal("DEADLINE_EXCEEDED", GrpcStatusCode.DeadlineExceeded.Name());
        Assert.Equal("FAILED_PRECONDITION", GrpcStatusCode.FailedPrecondition.Name());
        Assert.Equal("UNAUTHENTICATED", GrpcStatusCode.Unauthenticated.Name());
        Assert.Equal("UNKNOWN", ((GrpcStatusCode)99).Name());
        Assert.Equal(17, Enum.GetValues<GrpcStatusCode>().Select(c => c.Name()).Distinct().Count());
    }

    [Fact]
    public void The_target_is_hostname_and_the_grpc_port_of_the_record()
    {
        var target = MultipoolerTarget.FromPooler(MultipoolerClientTests.Pooler());
        Assert.Equal(new MultipoolerTarget("pooler-zone1-0.pool.ns.svc.cluster.local", 15270, "multipooler-zone1-pooler-0"), target);
        Assert.Equal("pooler-zone1-0.pool.ns.svc.cluster.local:15270", target.Address);
        Assert.Equal("[fd00::1]:15270", MultipoolerTarget.FromPooler(MultipoolerClientTests.Pooler("fd00::1")).Address);
    }

    [Theory]
    [InlineData("", 15270, "has no hostname")]
    [InlineData("pooler", null, "no \"grpc\" port")]
    [InlineData("pooler", 0, "invalid \"grpc\" port 0")]
    [InlineData("pooler", 70000, "invalid \"grpc\" port 70000")]
    public void A_record_without_a_usable_address_is_FAILED_PRECONDITION(string host, int? port, string expected)
    {
        var error = Assert.Throws<MultipoolerRpcException>(() => MultipoolerTarget.FromPooler(MultipoolerClientTests.Pooler(host, port), "ReloadConfig"));
        Assert.Equal(GrpcStatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains(expected, error.Detail, StringComparison.Ordinal);
        Assert.Equal("ReloadConfig", error.Method);
    }

    [Fact]
    public void A_record_without_an_id_is_still_named()
    {
        var error = Assert.Throws<MultipoolerRpcException>(() => MultipoolerTarget.FromPooler(new Multipooler { Hostname = "h" }));
        Assert.Contains("multipooler-(no id)", error.Detail, StringComparison.Ordinal);
    }
}
