Console.Error.WriteLine("clip: no verbs yet");
return 1;
