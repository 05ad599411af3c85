using System.Collections;
using System.Globalization;

namespace ClipEngine.Nn;

/// <summary>Modules held in a list, registered as children named "0", "1", … as torch.nn.ModuleList does.</summary>
public class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _modules = [];

    public ModuleList(params IEnumerable<T> modules)
    {
        foreach (var module in modules) Add(module);
    }

    public int Count => _modules.Count;

    public T this[int index] => _modules[index];

    public void Add(T module) => _modules.Add(RegisterModule(_modules.Count.ToString(CultureInfo.InvariantCulture), module));

    public IEnumerator<T> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
