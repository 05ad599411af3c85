using System.CommandLine;
using System.Text.Json;
using ClipEngine.Clip;

namespace ClipEngine.Cli.Commands;

/// <summary><c>tokenize</c>: the token ids of texts as <c>clip.tokenize</c> makes them, printed as a JSON array of rows.</summary>
internal static class TokenizeCommand
{
    /// <summary>Largest <c>--input-json</c> file read, in bytes.</summary>
    public const long MaxInputBytes = 64L << 20;

    public static Command Create(CliContext context)
    {
        var vocab = CliOptions.Vocab();
        var texts = new Option<string[]>("--text") { Description = "Text to tokenize (repeat for more)" };
        var inputJson = new Option<string?>("--input-json") { Description = "File holding a JSON array of strings to tokenize (after any --text)" };
        var contextLength = new Option<int>("--context-length") { Description = "Ids per row, padded with 0", DefaultValueFactory = _ => 77 };
        var truncate = new Option<bool>("--truncate") { Description = "Cut texts longer than the context, ending them with <|endoftext|> (default: an error)" };

        var command = new Command("tokenize", "Print the token ids of texts as a JSON array of rows")
        {
            vocab, texts, inputJson, contextLength, truncate,
        };
        command.SetAction(parsed =>
        {
            var vocabPath = parsed.GetValue(vocab) ?? throw new UsageException("tokenize needs a vocabulary: " + CliOptions.VocabHint);
            var length = parsed.GetValue(contextLength);
            if (length < 2) throw new UsageException($"--context-length must be at least 2 (room for <|startoftext|> and <|endoftext|>), got {length}");
            var inputs = (parsed.GetValue(texts) ?? []).ToList();
            if (parsed.GetValue(inputJson) is { } file) inputs.AddRange(ReadStrings(file));
            if (inputs.Count == 0) throw new UsageException("nothing to tokenize: give --text or --input-json");

            var tokenizer = ClipPipeline.LoadTokenizer(vocabPath);
            var ids = tokenizer.TokenizeToArray(inputs, length, parsed.GetValue(truncate));
            context.Out.WriteLine("[");
            for (var row = 0; row < inputs.Count; row++)
            {
                var separator = row < inputs.Count - 1 ? "," : "";
                context.Out.WriteLine($"  [{string.Join(",", ids.AsSpan(row * length, length).ToArray())}]{separator}");
            }
            context.Out.WriteLine("]");
            return ClipCli.Success;
        });
        return command;
    }

    /// <summary>The strings of a file holding one JSON array of strings.</summary>
    internal static List<string> ReadStrings(string path)
    {
        var size = new FileInfo(path).Length;
        if (size > MaxInputBytes) throw new InvalidDataException($"{path}: {size} bytes is more than the limit of {MaxInputBytes} for --input-json");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: expected a JSON array of strings, got {root.ValueKind}");
            var strings = new List<string>(root.GetArrayLength());
            foreach (var (element, index) in root.EnumerateArray().Select((e, i) => (e, i)))
            {
                if (element.ValueKind != JsonValueKind.String) throw new InvalidDataException($"{path}: element {index} is {element.ValueKind}, not a string");
                strings.Add(element.GetString()!);
            }
            return strings;
        }
    }
}
