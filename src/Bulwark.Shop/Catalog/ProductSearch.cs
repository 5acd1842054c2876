using System.Globalization;
using System.Text;

namespace Bulwark.Shop.Catalog;

/// <summary>
/// The words of a catalog search (<c>q=</c>), checked before anything reaches PostgreSQL. Only letters,
/// digits and combining marks make up a word; everything else separates words. The prefix tsquery is then
/// built from quoted words alone, so no input can be read as tsquery syntax and fail on the server (a 500):
/// what cannot be searched is a 400 here, naming <c>q</c>.
/// </summary>
public sealed record ProductSearch(IReadOnlyList<string> Words)
{
    public const int MaxLength = 100;
    public const int MaxWords = 8;
    public const int MaxWordLength = 40;

    /// <summary>The words joined by single spaces, lower case: equal searches share one cache entry.</summary>
    public string Normalized => string.Join(' ', Words);

    /// <summary>
    /// One <c>to_tsquery</c> term per word, each a prefix (type-ahead: "lam" finds "lamp"). A word holds only
    /// letters, digits and marks, so quoting it is enough to keep it a single term.
    /// </summary>
    public IReadOnlyList<string> PrefixTerms => [.. Words.Select(word => $"'{word}':*")];

    /// <summary>
    /// SQL for the tsquery of <see cref="PrefixTerms"/> passed as parameters <c>@t0</c>, <c>@t1</c>, …: every word
    /// must match, stemmed or as typed (the column indexes both). Null when there is no word (punctuation only).
    /// </summary>
    public string? TsQuerySql => Words.Count == 0
        ? null
        : string.Join(" && ", Words.Select((_, i) => $"(to_tsquery('english', @t{i}) || to_tsquery('simple', @t{i}))"));

    /// <summary>Reads <paramref name="q"/>; answers the reason it cannot be searched as <paramref name="problem"/>.</summary>
    public static ProductSearch? Parse(string q, out string? problem)
    {
        problem = null;
        if (q.Length > MaxLength)
        {
            problem = $"q must be at most {MaxLength} characters.";
            return null;
        }

        var words = new List<string>();
        var word = new StringBuilder();
        for (var i = 0; i < q.Length; i++)
        {
            var c = q[i];
            if (char.IsSurrogate(c))
            {
                // A pair is one character outside the basic plane (an emoji, a rare script): a separator.
                // A lone half is not text at all.
                if (char.IsHighSurrogate(c) && i + 1 < q.Length && char.IsLowSurrogate(q[i + 1]))
                {
                    i++;
                    Flush(words, word);
                    continue;
                }

                problem = "q is not valid text (a broken UTF-16 surrogate).";
                return null;
            }

            switch (CharUnicodeInfo.GetUnicodeCategory(c))
            {
                case UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned:
                    problem = $"q contains a control or invisible character (U+{(int)c:X4}); search with words.";
                    return null;
                case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                    or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
                    or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark:
                    word.Append(char.ToLowerInvariant(c));
                    break;
                default:
                    Flush(words, word);
                    break;
            }
        }

        Flush(words, word);
        if (words.Count > MaxWords)
        {
            problem = $"q has {words.Count} words; search with at most {MaxWords}.";
            return null;
        }

        if (words.FirstOrDefault(w => w.Length > MaxWordLength) is { } overlong)
        {
            problem = $"q has a word of {overlong.Length} characters; words are at most {MaxWordLength}.";
            return null;
        }

        return new ProductSearch(words);
    }

    private static void Flush(List<string> words, StringBuilder word)
    {
        if (word.Length > 0)
        {
            // Normalized so that "é" typed as one character or as e + accent finds the same products.
            words.Add(word.ToString().Normalize(NormalizationForm.FormC));
            word.Clear();
        }
    }
}
