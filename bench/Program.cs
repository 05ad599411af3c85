namespace ClipEngine.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- <benchmark>");
        return args.Length == 0 ? 2 : 0;
    }
}
