using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Storage;

/// <summary>One change recorded by the store: the object as it was after the change (or at deletion).</summary>
public sealed record WatchEvent(string Type, long ResourceVersion, string StorageKey, string Namespace, string Name, JsonObject Object, JsonObject? Previous = null)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
}
