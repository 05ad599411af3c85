using ClipEngine.IO;

namespace ClipEngine.Cli;

/// <summary>A tensor named on the command line as FILE:KEY — the key of one tensor in a safetensors file.</summary>
internal sealed record TensorReference(string File, string Key)
{
    private const int NamesListed = 20;

    /// <summary>Splits at the last colon, so that file paths may hold colons and keys may hold dots.</summary>
    public static TensorReference Parse(string option, string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            throw new UsageException($"{option} expects FILE:KEY (a safetensors file and the name of a tensor in it), got '{text}'");
        return new TensorReference(text[..colon], text[(colon + 1)..]);
    }

    /// <summary>The tensor, on the CPU in its stored dtype; a missing key is an error listing the keys there are.</summary>
    public Tensor Load()
    {
        using var file = SafeTensorsFile.Open(File);
        if (!file.Contains(Key))
        {
            // The names closest to the key (longest shared prefix) first: a typo's intended name leads the list.
            var names = file.Tensors.Select(t => t.Name).OrderByDescending(n => n.AsSpan().CommonPrefixLength(Key)).ToList();
            var listed = string.Join(", ", names.Take(NamesListed)) + (names.Count > NamesListed ? $", … ({names.Count} in all)" : "");
            throw new InvalidDataException($"{File}: no tensor named '{Key}'; it holds {listed}");
        }
        return SafeTensors.LoadTensor(file, Key);
    }

    public override string ToString() => $"{File}:{Key}";
}
