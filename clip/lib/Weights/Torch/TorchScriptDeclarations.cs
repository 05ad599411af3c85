using System.Text;

namespace ClipEngine.Clip;

/// <summary>
/// Which attributes of each TorchScript class are parameters or buffers, read from the class headers the archive's
/// <c>code/</c> files print (<c>__parameters__ = ["weight", "bias", ]</c>, <c>__buffers__ = [...]</c>). Other tensor
/// attributes (OpenAI's <c>attn_mask</c>) are not part of <c>state_dict()</c>. The code is only scanned, never run.
/// </summary>
internal sealed class TorchScriptDeclarations
{
    private readonly Dictionary<string, HashSet<string>> _stateByClass = new(StringComparer.Ordinal);

    public static TorchScriptDeclarations Empty { get; } = new();

    public static TorchScriptDeclarations Read(TorchArchive archive, CheckpointLimits limits)
    {
        var result = new TorchScriptDeclarations();
        var codeFolder = $"{archive.Prefix}/code/";
        foreach (var name in archive.EntriesUnder("code/").Where(n => n.EndsWith(".py", StringComparison.Ordinal)).ToList())
        {
            // code/__torch__/a/b.py defines classes whose qualified names start with __torch__.a.b
            var module = name[codeFolder.Length..^".py".Length].Replace('/', '.');
            result.Scan(module, Encoding.UTF8.GetString(archive.Read(name, limits.MaxPickleBytes)));
        }
        return result;
    }

    /// <summary>True when <paramref name="attribute"/> of an instance of <paramref name="className"/> belongs in the state dict; classes without a header keep every tensor.</summary>
    public bool IsState(string className, string attribute) =>
        !_stateByClass.TryGetValue(className, out var names) || names.Contains(attribute);

    private void Scan(string module, string code)
    {
        string? className = null;
        foreach (var rawLine in code.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.StartsWith("class ", StringComparison.Ordinal))
            {
                var end = line.IndexOfAny(['(', ':']);
                className = end > 6 ? $"{module}.{line[6..end].Trim()}" : null;
                continue;
            }

            var trimmed = line.TrimStart();
            if (className is null || trimmed.Length == line.Length) continue;
            if (trimmed.StartsWith("__parameters__ = [", StringComparison.Ordinal) || trimmed.StartsWith("__buffers__ = [", StringComparison.Ordinal))
            {
                if (!_stateByClass.TryGetValue(className, out var names)) _stateByClass[className] = names = new HashSet<string>(StringComparer.Ordinal);
                // The names are the odd-numbered pieces between double quotes.
                var pieces = trimmed.Split('"');
                for (var i = 1; i < pieces.Length; i += 2) names.Add(pieces[i]);
            }
        }
    }
}
