using System.Diagnostics;
using System.Text;

namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>
/// A module built with AddressSanitizer. Such a library cannot be loaded into this (uninstrumented) process, since the
/// ASan runtime must be the first library of a process, so every launch runs in a child: the emulator's host program
/// (kernels/emu/emu_host.cpp, itself built with ASan) maps the device memory at the address it has here, poisons all
/// of it but the live allocations, loads the module and runs the one launch. Kernel arguments cross as bytes (the child
/// reports each parameter's size from the module's trampoline table); an ASan report ends the child and becomes the
/// message of the <see cref="CudaException"/>.
/// </summary>
internal sealed unsafe class SanitizedModule(EmulatedDriver driver, string sourceName, string imagePath, string hostPath, SharedArenaMemory memory)
    : EmulatedModule(driver, sourceName, imagePath)
{
    private static readonly TimeSpan LaunchTimeout = TimeSpan.FromMinutes(5);

    private readonly Lazy<IReadOnlyList<string>> kernelNames = new(() => ListKernels(hostPath, imagePath));

    protected override IReadOnlyList<string> KernelNames => kernelNames.Value;

    // The child lists the module's trampoline table: `emu_host <module.so> --kernels`.
    private static IReadOnlyList<string> ListKernels(string hostPath, string imagePath)
    {
        var start = new ProcessStartInfo(hostPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(imagePath);
        start.ArgumentList.Add("--kernels");
        start.Environment["ASAN_OPTIONS"] = AsanOptions;
        using var process = Process.Start(start) ?? throw new CudaException($"cannot start {hostPath}");
        var errors = process.StandardError.ReadToEndAsync();
        var names = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0) throw new CudaException($"listing the kernels of {imagePath} failed:\n{errors.Result}");
        return names;
    }

    // Leak checking would report the child's own exit; fake stacks do not follow fiber switches.
    private const string AsanOptions = "detect_leaks=0:detect_stack_use_after_return=0:halt_on_error=1";

    public override void Launch(int kernel, string name, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** arguments)
    {
        var start = new ProcessStartInfo(hostPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { ImagePath, memory.Path, $"0x{memory.Base:x}", memory.MappedBytes.ToString() })
            start.ArgumentList.Add(argument);
        start.Environment["ASAN_OPTIONS"] = AsanOptions;

        using var process = Process.Start(start) ?? throw new CudaException($"cannot start {hostPath}");
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            string? failure;
            try
            {
                failure = Exchange(process, name, grid, block, dynamicSharedBytes, arguments);
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                // The child closed its pipes because it is ending, most likely with an ASan report on stderr.
                process.WaitForExit(LaunchTimeout);
                Stop(process);
                throw Failure(name, $"the launch ended abnormally under AddressSanitizer (exit code {process.ExitCode}):\n{errors.Result}");
            }
            if (!process.WaitForExit(LaunchTimeout)) throw Failure(name, "the sanitized launch did not finish");
            if (failure != null) throw Failure(name, failure);
        }
        finally
        {
            Stop(process);
        }
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited) process.Kill();
        process.WaitForExit();
    }

    private string? Exchange(Process process, string name, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** arguments)
    {
        var input = new BinaryWriter(process.StandardInput.BaseStream);
        var output = new BinaryReader(process.StandardOutput.BaseStream);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        input.Write(nameBytes.Length);
        input.Write(nameBytes);
        foreach (var v in new[] { grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z }) input.Write(v);
        input.Write((ulong)dynamicSharedBytes);
        var allocations = memory.Allocations();
        input.Write(allocations.Length);
        foreach (var (address, bytes) in allocations)
        {
            input.Write(address);
            input.Write((ulong)bytes);
        }
        input.Flush();

        var count = output.ReadInt32();
        if (count < 0) throw new CudaException($"module {SourceName}: the sanitized build has no kernel {name}");
        var sizes = new uint[count];
        for (var i = 0; i < count; i++) sizes[i] = output.ReadUInt32();
        if (count > 0 && arguments == null)
            throw new CudaException($"launching {name}: the kernel takes parameters but no arguments were given");
        for (var i = 0; i < count; i++) input.Write(new ReadOnlySpan<byte>(arguments[i], (int)sizes[i]));
        input.Flush();

        var status = output.ReadInt32();
        var message = Encoding.UTF8.GetString(output.ReadBytes(output.ReadInt32()));
        return status == 0 ? null : message;
    }
}
