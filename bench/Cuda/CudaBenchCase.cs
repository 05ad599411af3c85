namespace ClipEngine.Bench.Cuda;

/// <summary>
/// One benchmark: its row label (<see cref="Name"/> and <see cref="Shape"/>) and how to set it up. Prepare allocates
/// and fills its tensors (tracked by the given <see cref="BenchTensors"/>, freed after the run) and returns what to time.
/// </summary>
public sealed record CudaBenchCase(string Name, string Shape, Func<BenchTensors, BenchLaunch> Prepare);

/// <summary>The work of one launch, and the launch: it queues the op on the backend's stream and does not wait.</summary>
public sealed record BenchLaunch(Work Work, Action Run);
