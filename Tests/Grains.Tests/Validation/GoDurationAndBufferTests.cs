using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Validation;

namespace MultigresOrleans.Grains.Tests.Validation;

public sealed class GoDurationAndBufferTests
{
    [Theory]
    [InlineData("20s", 20_000_000_000L, "20s")]
    [InlineData("1m", 60_000_000_000L, "1m0s")]
    [InlineData("1.5s", 1_500_000_000L, "1.5s")]
    [InlineData("1h30m", 5_400_000_000_000L, "1h30m0s")]
    [InlineData("250ms", 250_000_000L, "250ms")]
    [InlineData("1.5\u00b5s", 1_500L, "1.5\u00b5s")]
    [InlineData("2\u03bcs", 2_000L, "2\u00b5s")]
    [InlineData("3us", 3_000L, "3\u00b5s")]
    [InlineData("7ns", 7L, "7ns")]
    [InlineData("0s", 0L, "0s")]
    [InlineData("0", 0L, "0s")]
    [InlineData("1m30.25s", 90_250_000_000L, "1m30.25s")]
    [InlineData("90s", 90_000_000_000L, "1m30s")]
    public void Durations_parse_and_print_like_go(string text, long nanoseconds, string printed)
    {
        Assert.True(GoDuration.TryParse(text, out var parsed), text);
        Assert.Equal(nanoseconds, parsed);
        Assert.Equal(printed, GoDuration.Format(parsed));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("10 s")]
    [InlineData("10sec")]
    [InlineData(".s")]
    public void Non_durations_are_refused(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(null, "20s", "20s", null, null)]
    [InlineData(false, "0s", null, null, null)]
    [InlineData(null, "0s", null, null, "cell 'a': multigateway buffer window (0s) must be a positive duration")]
    [InlineData(null, null, "0s", null, "cell 'a': multigateway buffer maxFailoverDuration (0s) must be a positive duration")]
    [InlineData(null, "30s", "20s", null, "cell 'a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s)")]
    [InlineData(null, "30s", null, null, "cell 'a': multigateway buffer window (30s) must be <= maxFailoverDuration (20s); unset fields use the multigateway defaults (window 10s, maxFailoverDuration 20s)")]
    [InlineData(null, null, "5s", null, "cell 'a': multigateway buffer window (10s) must be <= maxFailoverDuration (5s); unset fields use the multigateway defaults (window 10s, maxFailoverDuration 20s)")]
    [InlineData(null, "90s", "2m", "0s", null)]
    public void Buffer_rules_follow_spec_3_1_0f(bool? enabled, string? window, string? maxFailover, string? minBetween, string? expected)
    {
        var buffer = new GatewayBufferConfig { Enabled = enabled, Window = window, MaxFailoverDuration = maxFailover, MinTimeBetweenFailovers = minBetween };
        Assert.Equal(expected, GatewayBufferRules.Check("cell 'a'", buffer));
    }

    [Fact]
    public void Templates_are_checked_in_partial_mode()
    {
        var onlyWindow = new GatewayBufferConfig { Window = "30s" };
        Assert.Null(GatewayBufferRules.Check("CellTemplate 't'", onlyWindow, partial: true));
        Assert.NotNull(GatewayBufferRules.Check("CellTemplate 't'", onlyWindow with { MaxFailoverDuration = "20s" }, partial: true));
        Assert.NotNull(GatewayBufferRules.Check("CellTemplate 't'", new GatewayBufferConfig { Window = "0s" }, partial: true));
    }
}
