using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// Go's <c>time.Duration</c> text form, which the multigateway reads from its flags and the
/// reference prints in messages (<c>20s</c>, <c>1m0s</c>, <c>1.5s</c>, <c>250ms</c>). Durations are
/// whole nanoseconds, as in Go.
/// </summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"^([0-9]*(?:\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")]
    private static partial Regex Component();

    /// <summary>Parses <c>1h30m</c>, <c>1.5s</c>, <c>500ms</c>…; false for anything Go's ParseDuration would refuse.</summary>
    public static bool TryParse(string text, out long nanoseconds)
    {
        nanoseconds = 0;
        var rest = text;
        var negative = rest.StartsWith('-');
        if (negative || rest.StartsWith('+'))
            rest = rest[1..];
        if (rest == "0")
            return true;
        if (rest.Length == 0)
            return false;
        decimal total = 0;
        while (rest.Length > 0)
        {
            var match = Component().Match(rest);
            if (!match.Success || match.Groups[1].Value is "" or "." || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
                return false;
            total += value * match.Groups[2].Value switch
            {
                "ns" => 1m,
                "us" or "\u00b5s" or "\u03bcs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                _ => 3_600_000_000_000m,
            };
            if (total > long.MaxValue)
                return false;
            rest = rest[match.Length..];
        }
        nanoseconds = (long)(negative ? -total : total);
        return true;
    }

    /// <summary>Formats like Go's <c>Duration.String()</c>.</summary>
    public static string Format(long nanoseconds)
    {
        if (nanoseconds == 0)
            return "0s";
        var negative = nanoseconds < 0;
        var u = (ulong)(negative ? -nanoseconds : nanoseconds);
        var text = new StringBuilder();
        if (u < 1_000_000_000UL)
        {
            // Below a second Go switches to the largest fitting sub-second unit with a fraction.
            var (unit, scale) = u < 1_000UL ? ("ns", 1UL) : u < 1_000_000UL ? ("\u00b5s", 1_000UL) : ("ms", 1_000_000UL);
            text.Append(Fraction(u, scale)).Append(unit);
        }
        else
        {
            var hours = u / 3_600_000_000_000UL;
            var minutes = u / 60_000_000_000UL % 60;
            var seconds = u % 60_000_000_000UL;
            if (hours > 0)
                text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
            if (hours > 0 || minutes > 0)
                text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
            text.Append(Fraction(seconds, 1_000_000_000UL)).Append('s');
        }
        return (negative ? "-" : "") + text;
    }

    private static string Fraction(ulong value, ulong scale)
    {
        var whole = (value / scale).ToString(CultureInfo.InvariantCulture);
        var remainder = value % scale;
        if (remainder == 0)
            return whole;
        var digits = scale.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + remainder.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
