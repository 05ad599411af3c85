using ClipEngine.Backends.Cpu;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Backends;

/// <summary>Maps a device to the backend that runs ops there; the Cuda backend registers itself when it is built.</summary>
public static class BackendRegistry
{
    private static readonly Dictionary<DeviceType, Func<int, IBackend>> Factories = new()
    {
        [DeviceType.Cpu] = _ => CpuBackend.Instance,
        [DeviceType.Cuda] = CudaBackend.Create,
    };

    private static readonly Dictionary<Device, IBackend> Instances = [];

    public static void Register(DeviceType type, Func<int, IBackend> factory)
    {
        lock (Instances) Factories[type] = factory;
    }

    public static IBackend For(Device device)
    {
        if (device.Type == DeviceType.Cpu) return CpuBackend.Instance;
        lock (Instances)
        {
            if (Instances.TryGetValue(device, out var backend)) return backend;
            if (!Factories.TryGetValue(device.Type, out var factory))
                throw new NotSupportedException($"no backend for device {device}: this build has none for {device.Type}");
            return Instances[device] = factory(device.Index);
        }
    }
}
