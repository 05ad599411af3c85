using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Tests.Tokenization;

/// <summary>Expected strings were produced by Python 3.11's html.unescape and str.lower.</summary>
public class TextCleanerTests
{
    [Theory]
    [InlineData("&#x26;&#38;&#0;&#128;&#xD800;&#1114112;&#65534;&AElig&Aacute;x&amp;&ampx&#x;",
        "&&\uFFFD\u20AC\uFFFD\uFFFD\u00C6\u00C1x&&x&#x;")]
    [InlineData("&#12a; &#X41; &NotANentity &lt&gt &#x1F600; &#9;&#13;&#11;", "\u000Ca; A &NotANentity <> \U0001F600 \t\r")]
    [InlineData("a&b &c; &&amp; &#;", "a&b &c; && &#;")]
    public void PythonHtmlUnescape(string input, string expected) => Assert.Equal(expected, HtmlEntities.PythonUnescape(input));

    [Theory]
    [InlineData("ΟΔΟΣ ΣΑ Σ", "οδος σα σ")]
    [InlineData("İstanbul", "i\u0307stanbul")]
    [InlineData("ΑΣ.", "ας.")]
    public void PythonLower(string input, string expected) => Assert.Equal(expected, PythonText.Lower(input));

    [Fact]
    public void FtfyDecodesAllCapsEntitiesButOnlyWithSemicolons()
    {
        Assert.Equal("PÉREZ &not it", HtmlEntities.FtfyUnescape("P&EACUTE;REZ &not it"));
        Assert.Equal("BUNDESSTRASSE", HtmlEntities.FtfyUnescape("BUNDESSTRA&SZLIG;E"));
    }

    [Fact]
    public void FtfyHtmlStepIsSkippedOnceALineHasATag()
    {
        Assert.Equal("é\n<b>&eacute;", TextFixer.FixText("&eacute;\n<b>&eacute;"));
    }

    [Theory]
    [InlineData("ＬＯＵＤ　ＮＯＩＳＥＳ", "LOUD NOISES")]
    [InlineData("ﬂuﬃeﬆ", "fluffiest")]
    [InlineData("“here’s a test”", "\"here's a test\"")]
    [InlineData("a\r\nb\rc\u2028d", "a\nb\nc\nd")]
    [InlineData("\u001B[36;44mblue\u001B[0m", "blue")]
    [InlineData("e\u0301", "é")]
    [InlineData("schÃ¶n", "schön")]
    [InlineData("This â€” should be an em dash", "This — should be an em dash")]
    [InlineData("Zürich and naïve stay", "Zürich and naïve stay")]
    [InlineData("\u0080uro", "€uro")]
    public void FtfyFixes(string input, string expected) => Assert.Equal(expected, TextFixer.FixText(input));
}
