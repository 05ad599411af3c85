using System.Text;

namespace ClipEngine.Clip.Data;

/// <summary>
/// The samples of one shard: consecutive members sharing a key (the name up to the first dot of its base name, as
/// WebDataset's <c>base_plus_ext</c>) form a sample; its image is the first of the preferred extensions present and
/// its caption the .txt member. Members the sample does not use are skipped unread. Incomplete samples, bad captions
/// and rejected members are counted, not thrown; only a damaged archive throws.
/// </summary>
internal sealed class WebDatasetShardReader : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _shard;
    private readonly WebDatasetOptions _options;
    private readonly DataCounters _counters;
    private readonly FileStream _file;
    private readonly TarReader _tar;
    private Group? _pending;
    private TarEntry? _deferred;

    public WebDatasetShardReader(string shard, WebDatasetOptions options, DataCounters counters)
    {
        _shard = shard;
        _options = options;
        _counters = counters;
        _file = new FileStream(shard, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        _tar = new TarReader(_file, shard, options.Limits);
    }

    /// <summary>The next complete sample (with index −1; the source numbers them), or null at the end of the shard.</summary>
    public CaptionedImage? Next()
    {
        while (true)
        {
            var entry = _deferred ?? _tar.Next();
            _deferred = null;
            if (entry is null)
            {
                var last = Complete(_pending);
                _pending = null;
                return last;
            }
            if (entry.Kind == TarEntryKind.Directory) continue;
            var split = SplitKey(entry.Name);
            if (split is { } s && s.Key != _pending?.Key)
            {
                var finished = Complete(_pending);
                _pending = new Group(s.Key);
                if (finished is not null)
                {
                    // Hand the sample out before touching the next member, so damage there cannot take it along.
                    _deferred = entry;
                    return finished;
                }
            }
            if (entry.Rejection is { } reason)
            {
                _counters.AddSkipped(reason, $"{_shard}: member '{entry.Name}' at byte {entry.HeaderOffset}: {Describe(reason, entry)}");
                if (split is not null) _pending!.Tainted = true;
            }
            else if (split is { } part && Wanted(part.Extension) && !_pending!.Members.ContainsKey(part.Extension))
            {
                Read(entry, part.Extension);
            }
        }
    }

    public void Dispose() => _file.Dispose();

    private void Read(TarEntry entry, string extension)
    {
        if (extension == "txt" && entry.Size > _options.MaxCaptionBytes)
        {
            _counters.AddSkipped(SkipReason.OversizedMember, $"{_shard}: caption '{entry.Name}' is {entry.Size} bytes, over the limit of {_options.MaxCaptionBytes}");
            _pending!.Tainted = true;
            return;
        }
        _pending!.Members[extension] = _tar.ReadData();
    }

    /// <summary>The sample a group makes, or null (counted unless a rejected member already explains it).</summary>
    private CaptionedImage? Complete(Group? group)
    {
        if (group is null) return null;
        var name = $"{_shard}/{group.Key}";
        var imageExtension = _options.ImageExtensions.FirstOrDefault(group.Members.ContainsKey);
        if (imageExtension is null)
            return Incomplete(group, SkipReason.MissingImage, $"{name}: no image member ({string.Join(", ", _options.ImageExtensions)})");
        if (!group.Members.TryGetValue("txt", out var captionBytes))
            return Incomplete(group, SkipReason.MissingCaption, $"{name}: no .txt caption member");
        string caption;
        try
        {
            caption = StrictUtf8.GetString(captionBytes).TrimStart('\uFEFF').Trim();
        }
        catch (DecoderFallbackException e)
        {
            _counters.AddSkipped(SkipReason.InvalidCaptionEncoding, $"{name}.txt: the caption is not valid UTF-8 ({e.Message})");
            return null;
        }
        if (caption.Length == 0) return Incomplete(group, SkipReason.MissingCaption, $"{name}.txt: the caption is empty");
        return CaptionedImage.FromBytes(-1, $"{name}.{imageExtension}", caption, group.Members[imageExtension]);
    }

    private CaptionedImage? Incomplete(Group group, SkipReason reason, string message)
    {
        if (!group.Tainted) _counters.AddSkipped(reason, message);
        return null;
    }

    private bool Wanted(string extension) => extension == "txt" || _options.ImageExtensions.Contains(extension);

    /// <summary>WebDataset's <c>^((?:.*/|)[^.]+)[.]([^/]*)$</c>, with the extension lower-cased; null for a name without one.</summary>
    internal static (string Key, string Extension)? SplitKey(string name)
    {
        var baseStart = name.LastIndexOf('/') + 1;
        var dot = name.IndexOf('.', baseStart);
        if (dot <= baseStart) return null;
        return (name[..dot], name[(dot + 1)..].ToLowerInvariant());
    }

    private string Describe(SkipReason reason, TarEntry entry) => reason switch
    {
        SkipReason.UnsafeMemberName => "the name is absolute or climbs out with '..'",
        SkipReason.NonRegularEntry => $"a {entry.Kind} entry, not a regular file",
        SkipReason.OversizedMember => $"{entry.Size} bytes, over the limit of {_options.Limits.MaxMemberBytes}",
        _ => reason.ToString(),
    };

    private sealed class Group(string key)
    {
        public string Key { get; } = key;

        public Dictionary<string, byte[]> Members { get; } = [];

        /// <summary>A member was rejected; an incomplete sample is then already accounted for.</summary>
        public bool Tainted { get; set; }
    }
}
