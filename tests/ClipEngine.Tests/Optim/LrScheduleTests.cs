using ClipEngine.Optim;

namespace ClipEngine.Tests.Optim;

public class LrScheduleTests
{
    private const double BaseLr = 5e-4;

    [Theory]
    [InlineData(0, BaseLr * 1 / 10)]
    [InlineData(4, BaseLr * 5 / 10)]
    [InlineData(9, BaseLr)]
    [InlineData(10, BaseLr)]
    [InlineData(35, BaseLr * 0.8535533905932737)] // ½(1 + cos(π/4))
    [InlineData(60, BaseLr * 0.5)]
    [InlineData(85, BaseLr * 0.14644660940672627)] // ½(1 + cos(3π/4))
    [InlineData(109, BaseLr * 0.0002467198171342)] // ½(1 + cos(99π/100))
    [InlineData(110, 0)]
    [InlineData(500, 0)]
    public void CosineWarmsUpLinearlyThenFollowsOpenClipsCosine(long step, double expected)
    {
        // warmup 10, total 110: e = step − 10, es = 100.
        AssertClose(expected, LrSchedule.Cosine(BaseLr, warmupSteps: 10, totalSteps: 110).LrAt(step));
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(60, 0.5)]
    [InlineData(110, 0.0)]
    [InlineData(1000, 0.0)]
    public void CosineDecaysToItsFloor(long step, double cosineFactor)
    {
        const double floor = 1e-5;
        var schedule = LrSchedule.Cosine(BaseLr, warmupSteps: 10, totalSteps: 110, minLr: floor);
        AssertClose(step < 10 ? BaseLr / 10 : floor + cosineFactor * (BaseLr - floor), schedule.LrAt(step));
    }

    [Fact]
    public void WithoutWarmupTheFirstStepHasTheBaseRate()
    {
        var schedule = LrSchedule.Cosine(BaseLr, warmupSteps: 0, totalSteps: 4);
        double[] expected = [BaseLr, BaseLr * (1 + Math.Cos(Math.PI / 4)) / 2, BaseLr / 2, BaseLr * (1 + Math.Cos(3 * Math.PI / 4)) / 2, 0];
        for (var step = 0; step < expected.Length; step++) AssertClose(expected[step], schedule.LrAt(step));
    }

    [Fact]
    public void ConstantWarmsUpThenHolds()
    {
        var schedule = LrSchedule.Constant(BaseLr, warmupSteps: 4);
        double[] expected = [BaseLr / 4, BaseLr / 2, BaseLr * 3 / 4, BaseLr, BaseLr, BaseLr];
        for (var step = 0; step < expected.Length; step++) AssertClose(expected[step], schedule.LrAt(step));
        AssertClose(BaseLr, LrSchedule.Constant(BaseLr).LrAt(0));
    }

    [Fact]
    public void ApplySetsTheOptimizersLearningRate()
    {
        using var p = Tensor.Zeros([1]);
        p.RequiresGrad = true;
        using var optimizer = new AdamW([p], lr: 1);
        var lr = LrSchedule.Cosine(BaseLr, 10, 110).Apply(optimizer, 60);
        Assert.Equal(lr, optimizer.Lr);
        AssertClose(BaseLr / 2, optimizer.Lr);
    }

    [Fact]
    public void RejectsInconsistentArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LrSchedule.Cosine(BaseLr, warmupSteps: 10, totalSteps: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => LrSchedule.Constant(BaseLr, warmupSteps: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LrSchedule.Constant(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LrSchedule.Constant(BaseLr).LrAt(-1));
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * Math.Abs(expected) + 1e-18, $"lr {actual:R}, expected {expected:R}");
}
