using System.Globalization;

namespace MultigresOrleans.KubeSim.Tables;

/// <summary>
/// The API server's human-readable durations (apimachinery's HumanDuration): precision shrinks as
/// the age grows (`5s`, `3m2s`, `15m`, `5h10m`, `2d3h`, `90d`, `2y30d`), so tables read exactly
/// as they do against a real cluster.
/// </summary>
public static class AgeFormatter
{
    public static string Format(TimeSpan d)
    {
        var seconds = (long)Math.Floor(d.TotalSeconds);
        if (seconds < -1)
            return "<invalid>";
        if (seconds < 0)
            return "0s";
        if (seconds < 120)
            return Inv($"{seconds}s");
        var minutes = (long)Math.Floor(d.TotalMinutes);
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? Inv($"{minutes}m") : Inv($"{minutes}m{s}s");
        }
        if (minutes < 60 * 3)
            return Inv($"{minutes}m");
        var hours = (long)Math.Floor(d.TotalHours);
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? Inv($"{hours}h") : Inv($"{hours}h{m}m");
        }
        if (hours < 48)
            return Inv($"{hours}h");
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? Inv($"{hours / 24}d") : Inv($"{hours / 24}d{h}h");
        }
        if (hours < 24 * 365 * 2)
            return Inv($"{hours / 24}d");
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? Inv($"{hours / 24 / 365}y") : Inv($"{hours / 24 / 365}y{dy}d");
        }
        return Inv($"{hours / 24 / 365}y");
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
