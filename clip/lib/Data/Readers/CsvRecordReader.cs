using System.Text;

namespace ClipEngine.Clip.Data;

/// <summary>
/// RFC 4180 records from text: a field that starts with a double quote runs to the matching quote, may hold
/// separators and line breaks, and writes a quote as two; line breaks are \n, \r\n or \r. Each record is bounded in
/// length, so a missing closing quote costs at most that much memory before it is reported.
/// </summary>
internal sealed class CsvRecordReader(TextReader text, string fileName, char separator, int maxRecordChars)
{
    private readonly StringBuilder _field = new();
    private long _line = 1;

    /// <summary>The physical line on which the record last returned started.</summary>
    public long RecordLine { get; private set; }

    /// <summary>The next record's fields, or null at the end; blank lines are skipped.</summary>
    public List<string>? Read()
    {
        while (true)
        {
            RecordLine = _line;
            var first = text.Peek();
            if (first < 0) return null;
            if (first is '\n' or '\r')
            {
                ReadLineBreak(text.Read());
                continue;
            }
            return ReadRecord();
        }
    }

    private List<string> ReadRecord()
    {
        var fields = new List<string>();
        var length = 0;
        while (true)
        {
            _field.Clear();
            var c = text.Read();
            if (c == '"')
            {
                c = ReadQuoted(ref length);
                if (c >= 0 && c != separator && c != '\n' && c != '\r')
                    throw Error(_line, $"unexpected '{(char)c}' after the closing quote of field {fields.Count + 1}; a quote inside a quoted field is written \"\"");
            }
            else
            {
                while (c >= 0 && c != separator && c != '\n' && c != '\r')
                {
                    Append(c, ref length);
                    c = text.Read();
                }
            }
            fields.Add(_field.ToString());
            if (c == separator)
            {
                CountLength(ref length);
                continue;
            }
            if (c >= 0) ReadLineBreak(c);
            return fields;
        }
    }

    /// <summary>Reads a quoted field's contents after its opening quote; returns the character after the closing quote.</summary>
    private int ReadQuoted(ref int length)
    {
        var startLine = _line;
        while (true)
        {
            var c = text.Read();
            if (c < 0) throw Error(startLine, "a quoted field is never closed (missing '\"')");
            if (c == '"')
            {
                if (text.Peek() != '"') return text.Read();
                text.Read();
            }
            else if (c == '\n' || (c == '\r' && text.Peek() != '\n'))
            {
                _line++;
            }
            Append(c, ref length);
        }
    }

    private void Append(int c, ref int length)
    {
        CountLength(ref length);
        _field.Append((char)c);
    }

    private void CountLength(ref int length)
    {
        if (++length > maxRecordChars)
            throw Error(RecordLine, $"the record is longer than {maxRecordChars} characters (the limit; a missing closing quote can cause this)");
    }

    private void ReadLineBreak(int c)
    {
        if (c == '\r' && text.Peek() == '\n') text.Read();
        _line++;
    }

    private CsvFormatException Error(long line, string reason) => new(fileName, line, reason);
}
