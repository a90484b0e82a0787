using System.Globalization;
using System.Text;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// Go's <c>strconv.Quote</c> (the <c>%q</c> verb), for messages that must match the reference byte
/// for byte even when a user-supplied name or value holds quotes, backslashes or control characters.
/// Printable follows Go's <c>unicode.IsPrint</c>: letters, marks, numbers, punctuation, symbols and
/// the ASCII space.
/// </summary>
public static class GoQuote
{
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); continue;
                case '\\': builder.Append("\\\\"); continue;
                case '\a': builder.Append("\\a"); continue;
                case '\b': builder.Append("\\b"); continue;
                case '\f': builder.Append("\\f"); continue;
                case '\n': builder.Append("\\n"); continue;
                case '\r': builder.Append("\\r"); continue;
                case '\t': builder.Append("\\t"); continue;
                case '\v': builder.Append("\\v"); continue;
            }
            if (IsPrint(rune))
                builder.Append(rune.ToString());
            else if (rune.Value < 0x80)
                builder.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
            else if (rune.Value < 0x10000)
                builder.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}");
            else
                builder.Append(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}");
        }
        return builder.Append('"').ToString();
    }

    private static bool IsPrint(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation
            or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol => true,
        _ => false,
    };
}
