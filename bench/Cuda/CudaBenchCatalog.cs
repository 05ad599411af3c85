namespace ClipEngine.Bench.Cuda;

/// <summary>Every benchmark of the `cuda` verb, in the order of the table; the memcpy comes first as the others' yardstick.</summary>
public static class CudaBenchCatalog
{
    public static IEnumerable<CudaBenchCase> All(CudaBenchSizes sizes) =>
        [MemoryBoundCases.Memcpy(sizes), .. MemoryBoundCases.All(sizes), .. AttentionCases.All(sizes), .. GemmCases.All(sizes)];
}
