namespace ClipEngine.Clip.Data;

/// <summary>
/// WebDataset's sample shuffle: fill a buffer of n items, then for each new item hand out a random one and put the
/// new one in its place; at the end, drain the buffer in random order. Bounded memory, local randomness.
/// </summary>
internal static class ShuffleBuffer
{
    public static IEnumerable<T> Shuffle<T>(IEnumerable<T> items, int size, DataRandom random)
    {
        if (size <= 1)
        {
            foreach (var item in items) yield return item;
            yield break;
        }
        var buffer = new List<T>(size);
        foreach (var item in items)
        {
            if (buffer.Count < size)
            {
                buffer.Add(item);
                continue;
            }
            var j = (int)random.NextInt(size);
            yield return buffer[j];
            buffer[j] = item;
        }
        while (buffer.Count > 0)
        {
            var j = (int)random.NextInt(buffer.Count);
            yield return buffer[j];
            buffer[j] = buffer[^1];
            buffer.RemoveAt(buffer.Count - 1);
        }
    }
}
