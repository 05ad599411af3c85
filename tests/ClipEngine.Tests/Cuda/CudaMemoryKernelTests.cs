using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>Transfers, fill and copies on the Cuda backend against the Cpu backend, byte for byte.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaMemoryKernelTests
{
    public static readonly int[] Sizes = [1, 3, 17, 1000, 4097];

    public static TheoryData<DType, int> DTypesAndSizes()
    {
        var data = new TheoryData<DType, int>();
        foreach (var dtype in Enum.GetValues<DType>())
            foreach (var n in Sizes)
                data.Add(dtype, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(DTypesAndSizes))]
    public void HostToDeviceAndBackKeepsEveryByte(DType dtype, int n)
    {
        var bytes = RandomBytes(n * dtype.SizeInBytes(), n);
        using var host = Tensor.FromBytes(bytes, dtype, [n]);
        using var device = ToDevice(host);
        Assert.Equal(Device, device.Device);
        Assert.Equal(bytes, device.ToBytes());
    }

    [Theory]
    [MemberData(nameof(DTypesAndSizes))]
    public void FillMatchesCpu(DType dtype, int n)
    {
        // 1 + 2^-8 is a bf16 tie (rounds to 1), 65519 rounds to 65504 in f16, 1e38 overflows f16 to infinity.
        double[] values = dtype.IsFloatingPoint() ? [0, 1.5, -3, 1.00390625, 65519, 1e38] : [0, 7, -123456];
        foreach (var value in values)
        {
            using var cpu = Tensor.Empty([n], dtype);
            CpuBackend.Instance.Fill(cpu, value);
            using var device = Empty([n], dtype);
            Backend.Fill(device, 99);
            Backend.Fill(device, value);
            Assert.True(cpu.ToBytes().SequenceEqual(device.ToBytes()), $"Fill({value}) of {n} {dtype}");
        }
    }

    [Theory]
    [InlineData(DType.F32, 1, 0, 0, 1)]
    [InlineData(DType.F32, 17, 3, 5, 9)]
    [InlineData(DType.BF16, 1000, 1, 2, 997)]
    [InlineData(DType.I64, 4097, 4096, 0, 1)]
    [InlineData(DType.F16, 4097, 7, 11, 4000)]
    public void CopyWithOffsetsMatchesCpu(DType dtype, int n, long sourceOffset, long destinationOffset, long count)
    {
        var source = RandomBytes(n * dtype.SizeInBytes(), 1);
        var destination = RandomBytes(n * dtype.SizeInBytes(), 2);
        using var cpuSource = Tensor.FromBytes(source, dtype, [n]);
        using var cpuDestination = Tensor.FromBytes(destination, dtype, [n]);
        using var deviceSource = ToDevice(cpuSource);
        using var deviceDestination = ToDevice(cpuDestination);

        CpuBackend.Instance.Copy(cpuSource, sourceOffset, cpuDestination, destinationOffset, count);
        Backend.Copy(deviceSource, sourceOffset, deviceDestination, destinationOffset, count);

        Assert.Equal(cpuDestination.ToBytes(), deviceDestination.ToBytes());
    }

    [Theory]
    [InlineData(DType.F32, 0, 8, 0, 8, 8, 3)]        // contiguous: one device-to-device copy
    [InlineData(DType.F32, 1, 5, 2, 7, 3, 4)]        // 4-byte words
    [InlineData(DType.BF16, 1, 5, 0, 9, 3, 17)]      // 2-byte words
    [InlineData(DType.BF16, 0, 8, 4, 12, 4, 3)]      // 8-byte words from a 2-byte dtype
    [InlineData(DType.I64, 3, 10, 0, 4, 4, 1000)]
    [InlineData(DType.F32, 2, 5000, 1, 4100, 4097, 3)]
    [InlineData(DType.F16, 0, 1, 0, 3, 1, 4097)]     // one element per block
    [InlineData(DType.I32, 5, 0, 0, 6, 6, 4)]        // a source stride of 0 repeats one block (stacking copies)
    public void CopyBlocksMatchesCpu(DType dtype, long sourceOffset, long sourceStride, long destinationOffset, long destinationStride, long blockLength, long count)
    {
        var sourceLength = (int)(sourceOffset + (count - 1) * sourceStride + blockLength);
        var destinationLength = (int)(destinationOffset + (count - 1) * destinationStride + blockLength + 5);
        using var cpuSource = Tensor.FromBytes(RandomBytes(sourceLength * dtype.SizeInBytes(), 3), dtype, [sourceLength]);
        using var cpuDestination = Tensor.FromBytes(RandomBytes(destinationLength * dtype.SizeInBytes(), 4), dtype, [destinationLength]);
        using var deviceSource = ToDevice(cpuSource);
        using var deviceDestination = ToDevice(cpuDestination);

        CpuBackend.Instance.CopyBlocks(cpuSource, sourceOffset, sourceStride, cpuDestination, destinationOffset, destinationStride, blockLength, count);
        Backend.CopyBlocks(deviceSource, sourceOffset, sourceStride, deviceDestination, destinationOffset, destinationStride, blockLength, count);

        Assert.Equal(cpuDestination.ToBytes(), deviceDestination.ToBytes());
    }

    [Fact]
    public void CloneOnTheDeviceIsADeviceCopy()
    {
        var values = Normal(1000, 5);
        using var device = ToDevice(Tensor.FromArray(values, 10, 100));
        using var clone = device.Clone();
        Assert.Equal(Device, clone.Device);
        Assert.Equal(values, clone.ToArray<float>());
    }
}
