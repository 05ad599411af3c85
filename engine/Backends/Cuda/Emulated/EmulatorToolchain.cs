using System.Collections.Concurrent;
using System.Diagnostics;

namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>
/// Builds what the emulated driver loads, with g++ against the emulator sources embedded from kernels/emu, through
/// the on-disk <see cref="KernelCache"/>: the emulator runtime (one relocatable object per mode), kernel modules
/// (shared libraries linking that object) and, for AddressSanitizer mode, the host program that runs launches in a
/// child process. Every cache key covers the g++ version, the options and all emulator sources.
/// </summary>
internal sealed class EmulatorToolchain(string compiler, bool addressSanitizer)
{
    private const string EmuPrefix = "emu/";
    private const string HostSource = EmuPrefix + "emu_host.cpp";
    private static readonly TimeSpan CompileTimeout = TimeSpan.FromMinutes(5);

    private static readonly ConcurrentDictionary<string, Lazy<string>> Identities = new();

    private readonly Lazy<string> identity = Identities.GetOrAdd(compiler, c => new Lazy<string>(() => Identify(c)));
    private int moduleCompilations;

    /// <summary>How many kernel files this toolchain compiled, i.e. kernel-cache misses.</summary>
    public int ModuleCompilations => Volatile.Read(ref moduleCompilations);

    private string[] Options =>
        addressSanitizer
            ? [.. BaseOptions, "-fsanitize=address", "-fno-omit-frame-pointer", "-g"]
            : BaseOptions;

    // -fno-strict-aliasing: CUDA code reinterprets buffers as float4/uint4 for vector loads, which nvcc tolerates.
    private static readonly string[] BaseOptions = ["-std=c++17", "-O2", "-fPIC", "-fvisibility=hidden", "-fno-strict-aliasing", "-pthread"];

    private static IReadOnlyDictionary<string, string> EmuFiles =>
        KernelSources.AllFiles.Where(f => f.Key.StartsWith(EmuPrefix, StringComparison.Ordinal)).ToDictionary(f => f.Key, f => f.Value);

    /// <summary>
    /// The shared library of one kernel file, built unless cached: the file is preprocessed once to find its kernels,
    /// then compiled with their registrations appended. Throws <see cref="CudaCompileException"/> with g++'s log.
    /// </summary>
    public string BuildModule(KernelSource source)
    {
        if (Path.GetFileName(source.Name) != source.Name || !source.Name.EndsWith(".cu", StringComparison.Ordinal))
            throw new ArgumentException($"kernel source name '{source.Name}' must be a file name ending in .cu", nameof(source));
        var runtimeObject = BuildRuntime();
        var keyed = source with { Headers = source.Headers.Concat(EmuFiles).ToDictionary(h => h.Key, h => h.Value) };
        var key = KernelCache.Key(keyed, identity.Value, [.. Options, "module"]);
        return KernelCache.GetOrBuild(source.Name, key, addressSanitizer ? ".asan.so" : ".so", output => InScratch(directory =>
        {
            Interlocked.Increment(ref moduleCompilations);
            foreach (var (name, header) in source.Headers) WriteFile(directory, name, header);
            var code = EmulatedSourceTransform.RewriteDynamicShared(source.Code);
            WriteFile(directory, source.Name, code);
            string[] kernelOptions = ["-Iemu/include", "-include", "emu/cuda_emu.h", "-x", "c++", source.Name];
            var scan = source.Name + ".scan";
            RunCompiler(directory, source.Name, ["-std=c++17", "-E", "-P", $"-D{EmulatedSourceTransform.ScanDefine}", .. kernelOptions, "-o", scan]);
            var kernels = EmulatedSourceTransform.KernelNames(File.ReadAllText(Path.Combine(directory, scan)));
            WriteFile(directory, source.Name, code + EmulatedSourceTransform.Registrations(kernels));
            // Debug information (AddressSanitizer mode) names the kernel file as the author knows it, not the scratch path.
            RunCompiler(directory, source.Name, [.. Options, $"-ffile-prefix-map={directory}/=", "-shared", .. kernelOptions,
                "-x", "none", runtimeObject, "-o", output]);
        }));
    }

    /// <summary>The AddressSanitizer child program (kernels/emu/emu_host.cpp), built unless cached.</summary>
    public string BuildHost()
    {
        var key = KernelCache.Key(new KernelSource("emu_host", "", EmuFiles), identity.Value, [.. Options, "host"]);
        return KernelCache.GetOrBuild("emu_host", key, "", output =>
            InScratch(directory => RunCompiler(directory, "emu_host", [.. Options, HostSource, "-ldl", "-o", output])));
    }

    private string BuildRuntime()
    {
        var sources = EmuFiles.Keys.Where(f => f.EndsWith(".cpp", StringComparison.Ordinal) && f != HostSource).Order(StringComparer.Ordinal);
        var key = KernelCache.Key(new KernelSource("cuda_emu_runtime", "", EmuFiles), identity.Value, [.. Options, "runtime"]);
        var name = addressSanitizer ? "cuda_emu_runtime_asan" : "cuda_emu_runtime";
        return KernelCache.GetOrBuild(name, key, ".o", output =>
            InScratch(directory => RunCompiler(directory, name, [.. Options, "-r", "-nostdlib", .. sources, "-o", output])));
    }

    // g++ runs in a scratch directory holding the emulator sources, with paths relative to it, so its messages name
    // files as the kernel author knows them ("softmax.cu:12:5: error: ...").
    private static void InScratch(Action<string> build)
    {
        var directory = Directory.CreateTempSubdirectory("clipengine-emu-");
        try
        {
            foreach (var (name, code) in EmuFiles) WriteFile(directory.FullName, name, code);
            build(directory.FullName);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private void RunCompiler(string directory, string what, string[] arguments)
    {
        var start = new ProcessStartInfo(compiler)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var (exitCode, output) = Run(start);
        if (exitCode != 0) throw new CudaCompileException(what, output.Trim());
    }

    private static void WriteFile(string directory, string relativePath, string content)
    {
        var path = Path.Combine(directory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static string Identify(string compiler)
    {
        var start = new ProcessStartInfo(compiler) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--version");
        var (exitCode, output) = Run(start);
        if (exitCode != 0) throw new CudaException($"'{compiler} --version' failed:\n{output}");
        return output.Split('\n')[0].Trim();
    }

    private static (int ExitCode, string Output) Run(ProcessStartInfo start)
    {
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CudaException($"the emulated CUDA driver needs a C++ compiler: cannot run '{start.FileName}' ({e.Message})");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(CompileTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new CudaException($"'{start.FileName}' did not finish within {CompileTimeout.TotalMinutes} minutes");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
