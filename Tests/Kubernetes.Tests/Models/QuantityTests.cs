using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Tests.Models;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData("100m", "0.1")]
    [InlineData("1.5", "1.5")]
    [InlineData("1Ki", "1024")]
    [InlineData("1Gi", "1073741824")]
    [InlineData("10Gi", "10737418240")]
    [InlineData("500Mi", "524288000")]
    [InlineData("2k", "2000")]
    [InlineData("1M", "1000000")]
    [InlineData("5E", "5000000000000000000")]
    [InlineData("1e3", "1000")]
    [InlineData("1.5e-3", "0.0015")]
    [InlineData("250n", "0.00000025")]
    [InlineData("-1", "-1")]
    [InlineData(".5", "0.5")]
    public void Values_are_read_like_resource_ParseQuantity(string text, string expected)
    {
        Assert.True(new Quantity(text).TryGetValue(out var value), $"'{text}' should parse");
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1GB")]
    [InlineData("1 Gi")]
    [InlineData("1Gi ")]
    [InlineData("Gi")]
    [InlineData("99999999999Ei")]
    public void Non_quantities_and_overflows_are_refused(string text)
    {
        Assert.False(new Quantity(text).TryGetValue(out _));
    }

    [Fact]
    public void Ordering_follows_the_value_not_the_text()
    {
        Assert.True(new Quantity("1Gi").TryGetValue(out var gi));
        Assert.True(new Quantity("1000Mi").TryGetValue(out var mi));
        Assert.True(mi < gi);
    }
}
