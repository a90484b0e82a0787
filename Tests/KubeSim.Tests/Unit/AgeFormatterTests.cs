using MultigresOrleans.KubeSim.Tables;

namespace MultigresOrleans.KubeSim.Tests.Unit;

public sealed class AgeFormatterTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(-1, "0s")]
    [InlineData(-5, "<invalid>")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(182, "3m2s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 - 1, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(5 * 3600 + 600, "5h10m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(51 * 3600, "2d3h")]
    [InlineData(7 * 86400, "7d")]
    [InlineData(90 * 86400, "90d")]
    [InlineData(2 * 365 * 86400 + 30 * 86400, "2y30d")]
    [InlineData(9 * 365 * 86400, "9y")]
    public void Ages_are_humanised_like_the_API_server(long seconds, string expected) =>
        Assert.Equal(expected, AgeFormatter.Format(TimeSpan.FromSeconds(seconds)));
}
