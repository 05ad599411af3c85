using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ClipEngine.Clip.Tokenization;

/// <summary>Reading vocabulary files, which are untrusted input, with limits on their size and on what they hold.</summary>
internal static class TokenizerFiles
{
    /// <summary>The most bytes a vocabulary file may hold (after decompression for .gz).</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>The most merges a vocabulary may have.</summary>
    public const int MaxMerges = 1_000_000;

    /// <summary>The highest token id a vocabulary may use + 1.</summary>
    public const int MaxVocabSize = 2_000_000;

    /// <summary>The longest line a merges file may have, in characters.</summary>
    public const int MaxLineLength = 4096;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A text file, gunzipped when it starts with the gzip magic, as a line reader that enforces the limits.</summary>
    public static LineReader OpenLines(string path)
    {
        var stream = OpenChecked(path);
        var magic = new byte[2];
        var n = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = 0;
        Stream content = n == 2 && magic[0] == 0x1F && magic[1] == 0x8B
            ? new GZipStream(stream, CompressionMode.Decompress)
            : stream;
        return new LineReader(path, new BufferedStream(new LimitedStream(content, path), 1 << 16));
    }

    /// <summary>A JSON file parsed whole, after the size check.</summary>
    public static JsonDocument ReadJson(string path)
    {
        using var stream = OpenChecked(path);
        try
        {
            return JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A token id from a JSON number, within the limits.</summary>
    public static int ReadId(JsonElement value, string path, string where)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var id) || id is < 0 or >= MaxVocabSize)
        {
            throw new InvalidDataException($"{path}: {where} must be a token id from 0 to {MaxVocabSize - 1}, not {value.GetRawText()}");
        }
        return id;
    }

    /// <summary>A merge line split on white space, as Python's <c>str.split()</c> does; exactly two symbols.</summary>
    public static (string, string) ParseMerge(string line, string path, long lineNumber)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            throw new InvalidDataException($"{path} line {lineNumber}: a merge is two symbols separated by a space, not \"{line}\"");
        }
        return (parts[0], parts[1]);
    }

    /// <summary>Adds a merge, failing once the file holds more than <see cref="MaxMerges"/>.</summary>
    public static void AddMerge(List<(string, string)> merges, (string, string) merge, string path, string where)
    {
        if (merges.Count == MaxMerges)
        {
            throw new InvalidDataException($"{path} {where}: more than {MaxMerges:N0} merges");
        }
        merges.Add(merge);
    }

    private static FileStream OpenChecked(string path)
    {
        var stream = File.OpenRead(path);
        if (stream.Length > MaxFileBytes)
        {
            stream.Dispose();
            throw new InvalidDataException($"{path}: {stream.Length:N0} bytes, more than the {MaxFileBytes:N0} a vocabulary file may have");
        }
        return stream;
    }

    /// <summary>
    /// Lines of a vocabulary file with their numbers, each no longer than <see cref="MaxLineLength"/> characters and
    /// decoded on its own so that an error names the right line; a trailing '\r' is dropped.
    /// </summary>
    public sealed class LineReader(string path, Stream stream) : IDisposable
    {
        private const int MaxLineBytes = MaxLineLength * 4;
        private readonly byte[] _line = new byte[MaxLineBytes];

        public long LineNumber { get; private set; }

        public string? ReadLine()
        {
            var length = 0;
            int b;
            while ((b = ReadByte()) >= 0 && b != '\n')
            {
                if (length == MaxLineBytes)
                {
                    throw new InvalidDataException($"{path} line {LineNumber + 1}: longer than {MaxLineLength} characters");
                }
                _line[length++] = (byte)b;
            }
            if (b < 0 && length == 0) return null;
            LineNumber++;
            if (length > 0 && _line[length - 1] == '\r') length--;
            string line;
            try
            {
                line = StrictUtf8.GetString(_line, 0, length);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{path} line {LineNumber}: not valid UTF-8", e);
            }
            if (line.Length > MaxLineLength)
            {
                throw new InvalidDataException($"{path} line {LineNumber}: {line.Length:N0} characters, more than {MaxLineLength}");
            }
            return line;
        }

        private int ReadByte()
        {
            try
            {
                return stream.ReadByte();
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}: corrupt gzip data: {e.Message}", e);
            }
            catch (ContentTooLargeException e)
            {
                throw new InvalidDataException(e.Message, e);
            }
        }

        public void Dispose() => stream.Dispose();
    }

    private sealed class ContentTooLargeException(string message) : IOException(message);

    // Fails the read that would take the content past MaxFileBytes (a gzip bomb, or a file that grew).
    private sealed class LimitedStream(Stream inner, string path) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _read += n;
            if (_read > MaxFileBytes)
            {
                throw new ContentTooLargeException($"{path}: more than {MaxFileBytes:N0} bytes of content");
            }
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
