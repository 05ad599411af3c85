return ClipEngine.Cli.ClipCli.Run(args, Console.Out, Console.Error);
