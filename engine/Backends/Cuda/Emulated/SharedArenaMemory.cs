using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>
/// Device memory for AddressSanitizer mode: one sparse memfd mapped MAP_SHARED at a fixed address, so the child process
/// that runs a launch (kernels/emu/emu_host.cpp) maps it at the same address and device pointers mean the same there.
/// Allocations are first-fit with a 256-byte poisoned gap after each, so a kernel running off the end of a buffer
/// lands in memory the child has poisoned rather than in the next buffer.
/// </summary>
internal sealed unsafe partial class SharedArenaMemory : DeviceMemory
{
    private const int Redzone = Alignment;

    // Far from where the .NET runtime, glibc and the ASan runtime map anything, inside ASan's high application range.
    private const ulong FirstBase = 0x5000_0000_0000;
    private const ulong BaseStride = 0x0100_0000_0000;
    private static int arenas;

    private readonly int fd;
    private readonly SortedList<ulong, ulong> free = []; // offset -> length
    private ulong highWater;

    public SharedArenaMemory(long total) : base(total)
    {
        fd = MemfdCreate("clipengine-emulated-device", MfdCloexec);
        if (fd < 0) throw new CudaException($"memfd_create failed (errno {Marshal.GetLastPInvokeError()})");
        if (Ftruncate(fd, total) != 0)
        {
            Close(fd);
            throw new CudaException($"sizing the emulated device memory to {total} bytes failed (errno {Marshal.GetLastPInvokeError()})");
        }
        for (var attempt = 0; attempt < 64 && Base == 0; attempt++)
        {
            var wanted = FirstBase + (ulong)Interlocked.Increment(ref arenas) * BaseStride;
            var mapped = Mmap((nint)wanted, (nuint)total, ProtRead | ProtWrite, MapShared | MapFixedNoreplace, fd, 0);
            if ((ulong)mapped == wanted) Base = wanted;
            else if (mapped != -1) Munmap(mapped, (nuint)total);
        }
        if (Base == 0)
        {
            Close(fd);
            throw new CudaException("cannot map the emulated device memory at a fixed address");
        }
        free.Add(0, (ulong)total);
    }

    /// <summary>Where the memory is mapped, in this process and in the child.</summary>
    public ulong Base { get; }

    /// <summary>The path the child opens the memory by.</summary>
    public string Path => $"/proc/{Environment.ProcessId}/fd/{fd}";

    /// <summary>The bytes from <see cref="Base"/> that have ever held an allocation: all the child needs to map.</summary>
    public ulong MappedBytes
    {
        get
        {
            lock (free) return (highWater + 4095) & ~4095ul;
        }
    }

    public override void Dispose()
    {
        Munmap((nint)Base, (nuint)Total);
        Close(fd);
    }

    protected override ulong Reserve(long bytes)
    {
        var length = (ulong)(RoundUp(bytes) + Redzone);
        lock (free)
        {
            for (var i = 0; i < free.Count; i++)
            {
                var (offset, available) = (free.Keys[i], free.Values[i]);
                if (available < length) continue;
                free.RemoveAt(i);
                if (available > length) free.Add(offset + length, available - length);
                highWater = Math.Max(highWater, offset + length);
                return Base + offset;
            }
        }
        throw new CudaOutOfMemoryException($"emulated device memory too fragmented for {bytes} bytes", bytes);
    }

    protected override void Unreserve(ulong address, long bytes)
    {
        var offset = address - Base;
        var length = (ulong)(RoundUp(bytes) + Redzone);
        lock (free)
        {
            var next = free.IndexOfKey(offset + length);
            if (next >= 0)
            {
                length += free.Values[next];
                free.RemoveAt(next);
            }
            var before = free.Keys.Count(k => k < offset) - 1;
            if (before >= 0 && free.Keys[before] + free.Values[before] == offset)
            {
                free[free.Keys[before]] = free.Values[before] + length;
                return;
            }
            free.Add(offset, length);
        }
    }

    private const uint MfdCloexec = 1;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapShared = 1;
    private const int MapFixedNoreplace = 0x100000;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
