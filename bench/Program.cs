using ClipEngine.Bench.Cuda;
using ClipEngine.Bench.Kernels;
using ClipEngine.Bench.Ops;
using ClipEngine.Bench.Peak;
using ClipEngine.Bench.Sgemm;

namespace ClipEngine.Bench;

public static class Program
{
    // One entry per verb; a new benchmark only needs a line here.
    private static readonly (string Verb, string Help, Func<string[], int> Run)[] Verbs =
    [
        ("peak", "measure the core clock and print the fp32 peak", PeakProbe.Run),
        ("sgemm", "fp32 GEMM throughput (BenchmarkDotNet; extra args go to it, e.g. --filter)", SgemmBench.Run),
        ("ops", "every op family on the Cpu backend at ViT-B/32-like shapes, with GB/s (BenchmarkDotNet)", OpsBench.Run),
        ("tokenize", "CLIP tokenizer tokens/s and captions/s, cold and warm word cache ([--vocab path])", Tokenizer.TokenizerBench.Run),
        ("info", "what the CUDA path finds: driver, devices, NVRTC, cuBLAS, or why each is missing", InfoVerb.Run),
        ("cuda", "CUDA kernel microbenchmarks against the device's ceilings, no BenchmarkDotNet ([--device-ordinal N] [--quick])", CudaVerb.Run),
        ("kernels", "NVRTC + ptxas report of every kernel for sm_80 and sm_90 (or --arch); fails on errors or spills", KernelsVerb.Run),
        ("train-step", "ms per small-CLIP training step on the Cpu backend, with a per-op breakdown ([--batch 128] [--steps N] ...)", TrainStep.TrainStepBench.Run),
    ];

    public static int Main(string[] args)
    {
        if (args.Length > 0)
        {
            foreach (var (verb, _, run) in Verbs)
            {
                if (verb == args[0])
                {
                    return run(args[1..]);
                }
            }
        }
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- <verb> [args]");
        foreach (var (verb, help, _) in Verbs)
        {
            Console.Error.WriteLine($"  {verb,-10} {help}");
        }
        return 2;
    }
}
