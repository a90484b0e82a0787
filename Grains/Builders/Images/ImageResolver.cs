using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Builders.Images;

/// <summary>
/// <c>resolveImages</c> of spec §6.1.3 as a pure decision. Explicit <c>spec.images</c> always win; the rest come
/// from the operator's default set, except that under the <c>lazy</c> strategy a cluster already running an older
/// default set keeps it until <c>acknowledgedRevision</c> names the new one. The committed set is recorded in the
/// <c>multigres.com/applied-images</c> annotation because status can be lost (restore, <c>kubectl replace</c>) and
/// losing it must not roll the cluster.
/// </summary>
public static class ImageResolver
{
    public const string EventNormal = "Normal";
    public const string EventWarning = "Warning";
    public const string ReasonImagesRecordInvalid = "ImagesRecordInvalid";
    public const string ReasonImagesAcknowledgementIgnored = "ImagesAcknowledgementIgnored";
    public const string ReasonImagesRevisionMismatch = "ImagesRevisionMismatch";
    public const string ReasonImagesUpdated = "ImagesUpdated";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Matches Go's encoding/json closely enough for image references: no \u escaping of '+', '\'' or non-ASCII.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// First 12 hex characters of SHA-256 over the six <c>component=image</c> lines, sorted and joined by <c>\n</c>.
    /// An internal short identifier (like a pod-template-hash), not a cross-process contract.
    /// </summary>
    public static string Revision(ComponentImages set)
    {
        ArgumentNullException.ThrowIfNull(set);
        string[] lines =
        [
            "multiadmin=" + set.Multiadmin,
            "multiadminweb=" + set.MultiadminWeb,
            "multigateway=" + set.Multigateway,
            "multiorch=" + set.Multiorch,
            "multipooler=" + set.Multipooler,
            "postgres=" + set.Postgres,
        ];
        Array.Sort(lines, StringComparer.Ordinal);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
        return Convert.ToHexStringLower(hash)[..12];
    }

    /// <summary>Only the six component images of a cluster's <c>spec.images</c>; pull policy and secrets take no part in resolution.</summary>
    public static ComponentImages FromSpec(ClusterImages? spec) => new()
    {
        Multigateway = NullIfEmpty(spec?.Multigateway),
        Multiorch = NullIfEmpty(spec?.Multiorch),
        Multipooler = NullIfEmpty(spec?.Multipooler),
        Multiadmin = NullIfEmpty(spec?.Multiadmin),
        MultiadminWeb = NullIfEmpty(spec?.MultiadminWeb),
        Postgres = NullIfEmpty(spec?.Postgres),
    };

    /// <summary>A record is trusted only when complete: a partial set would silently drop the missing components to other defaults.</summary>
    public static bool IsComplete(ComponentImages? set) =>
        set is not null
        && !string.IsNullOrEmpty(set.Postgres) && !string.IsNullOrEmpty(set.Multiadmin) && !string.IsNullOrEmpty(set.MultiadminWeb)
        && !string.IsNullOrEmpty(set.Multiorch) && !string.IsNullOrEmpty(set.Multipooler) && !string.IsNullOrEmpty(set.Multigateway);

    private static bool IsEmpty(ComponentImages set) =>
        set.Postgres is null && set.Multiadmin is null && set.MultiadminWeb is null
        && set.Multiorch is null && set.Multipooler is null && set.Multigateway is null;

    /// <summary>Compact JSON of a set in the field order of spec §5.2 — the annotation's value.</summary>
    public static string FormatAnnotation(ComponentImages set)
    {
        ArgumentNullException.ThrowIfNull(set);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            Write(writer, "multigateway", set.Multigateway);
            Write(writer, "multiorch", set.Multiorch);
            Write(writer, "multipooler", set.Multipooler);
            Write(writer, "multiadmin", set.Multiadmin);
            Write(writer, "multiadminWeb", set.MultiadminWeb);
            Write(writer, "postgres", set.Postgres);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());

        static void Write(Utf8JsonWriter writer, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                writer.WriteString(name, value);
        }
    }

    /// <summary>Parses an annotation value into a set; null when it is not a JSON object of strings (completeness is checked by the caller).</summary>
    public static ComponentImages? ParseAnnotation(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        fields[property.Name] = property.Value.GetString();
                        break;
                    case JsonValueKind.Null:
                        fields[property.Name] = null;
                        break;
                    default:
                        return null;
                }
            }

            return new ComponentImages
            {
                Multigateway = fields.GetValueOrDefault("multigateway"),
                Multiorch = fields.GetValueOrDefault("multiorch"),
                Multipooler = fields.GetValueOrDefault("multipooler"),
                Multiadmin = fields.GetValueOrDefault("multiadmin"),
                MultiadminWeb = fields.GetValueOrDefault("multiadminWeb"),
                Postgres = fields.GetValueOrDefault("postgres"),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The per-component changes for the <c>ImagesUpdated</c> event, in the spec's component order.</summary>
    public static string Diff(ComponentImages from, ComponentImages to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var changes = new List<string>();
        void Add(string name, string? f, string? t)
        {
            if (!string.Equals(f ?? "", t ?? "", StringComparison.Ordinal))
                changes.Add($"{name}: {f} -> {t}");
        }

        Add("postgres", from.Postgres, to.Postgres);
        Add("multiadmin", from.Multiadmin, to.Multiadmin);
        Add("multiadminWeb", from.MultiadminWeb, to.MultiadminWeb);
        Add("multiorch", from.Multiorch, to.Multiorch);
        Add("multipooler", from.Multipooler, to.Multipooler);
        Add("multigateway", from.Multigateway, to.Multigateway);
        return changes.Count == 0 ? "no component changes" : string.Join(", ", changes);
    }

    /// <summary><c>spec.images</c> with every empty image taken from <paramref name="applied"/>; pull policy and secrets kept.</summary>
    public static ClusterImages Complete(ClusterImages? spec, ComponentImages applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var baseSpec = spec ?? new ClusterImages();
        return baseSpec with
        {
            Multigateway = Fill(baseSpec.Multigateway, applied.Multigateway),
            Multiorch = Fill(baseSpec.Multiorch, applied.Multiorch),
            Multipooler = Fill(baseSpec.Multipooler, applied.Multipooler),
            Multiadmin = Fill(baseSpec.Multiadmin, applied.Multiadmin),
            MultiadminWeb = Fill(baseSpec.MultiadminWeb, applied.MultiadminWeb),
            Postgres = Fill(baseSpec.Postgres, applied.Postgres),
        };

        static string? Fill(string? value, string? fallback) => string.IsNullOrEmpty(value) ? fallback : value;
    }

    public static string StrategyText(ImageUpdateStrategy strategy) => strategy switch
    {
        ImageUpdateStrategy.Immediate => "immediate",
        ImageUpdateStrategy.Lazy => "lazy",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "unknown image update strategy"),
    };

    /// <summary>
    /// Parses <c>--image-update-strategy</c>; null for anything but <c>immediate</c>/<c>lazy</c> (the process then exits 1
    /// with <see cref="InvalidStrategyMessage"/>).
    /// </summary>
    public static ImageUpdateStrategy? ParseStrategy(string? value) => value switch
    {
        "immediate" => ImageUpdateStrategy.Immediate,
        "lazy" => ImageUpdateStrategy.Lazy,
        _ => null,
    };

    public const string InvalidStrategyMessage = "--image-update-strategy must be 'immediate' or 'lazy'";

    /// <summary>The decision of spec §6.1.3 steps 1–8.</summary>
    public static ImageResolution Resolve(ImageResolutionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var events = new List<ImageEvent>();
        var explicitSet = FromSpec(input.Explicit);

        // Step 1: a fully pinned cluster takes no part in default resolution. The tombstone stops stale status from
        // being taken for "the previous default set" should a pin later be removed after an interrupted reconcile.
        if (IsComplete(explicitSet))
        {
            return new ImageResolution
            {
                Events = events,
                Completed = Complete(input.Explicit, explicitSet),
                AnnotationToWrite = input.AppliedImagesAnnotation == AnnotationValues.AppliedImagesFullyPinned
                    ? null
                    : AnnotationValues.AppliedImagesFullyPinned,
                Status = new ImagesStatus { Effective = explicitSet, Source = ImageSource.Explicit },
                Condition = new ImageCondition(
                    ConditionTypes.ImageRolloutPending, "False", ConditionReasons.FullyPinned, "All component images are explicitly pinned"),
            };
        }

        // Step 2.
        var source = IsEmpty(explicitSet) ? ImageSource.Defaults : ImageSource.Mixed;
        var strategy = input.Policy?.Strategy ?? input.OperatorStrategy;
        var available = input.Defaults.Images;
        var availableRevision = Revision(available);

        // Step 3.
        var (recorded, recordInvalid) = Recorded(input, events);
        if (recordInvalid && recorded is null)
        {
            // Lazy exists to prevent an unacknowledged rollout: with nothing identifying the set to hold, stop before
            // anything is patched. Immediate can recover safely by adopting the current defaults, loudly.
            if (strategy == ImageUpdateStrategy.Lazy)
            {
                return new ImageResolution
                {
                    Events = events,
                    Error = $"cannot resolve images with lazy update strategy: {AnnotationKeys.AppliedImages} annotation is invalid and status.images has no complete applied set",
                };
            }

            events.Add(new ImageEvent(
                EventWarning,
                ReasonImagesRecordInvalid,
                $"The {AnnotationKeys.AppliedImages} annotation is invalid and status.images is unavailable; adopting the current default image set {availableRevision}"));
        }

        // Step 4.
        var acknowledged = input.Policy?.AcknowledgedRevision ?? "";
        var recordedRevision = recorded is null ? null : Revision(recorded);
        if (strategy == ImageUpdateStrategy.Immediate && acknowledged.Length > 0
            && acknowledged != availableRevision && acknowledged != recordedRevision)
        {
            events.Add(new ImageEvent(
                EventWarning,
                ReasonImagesAcknowledgementIgnored,
                "spec.imageUpdatePolicy.acknowledgedRevision has no effect under the immediate update strategy"));
        }

        // Step 5.
        var applied = available;
        string? pendingReason = null;
        if (strategy == ImageUpdateStrategy.Lazy && recorded is not null && recordedRevision != availableRevision)
        {
            if (acknowledged == availableRevision)
            {
                // Acknowledged: adopt the available set.
            }
            else if (acknowledged.Length == 0 || acknowledged == recordedRevision)
            {
                // Nothing acknowledged yet, or an earlier acknowledgement already consumed: the normal state between rollouts.
                applied = recorded;
                pendingReason = ConditionReasons.AwaitingAcknowledgement;
            }
            else
            {
                applied = recorded;
                pendingReason = ConditionReasons.RevisionMismatch;
            }
        }

        // Step 6.
        var appliedRevision = Revision(applied);
        string? logMessage = null;
        if (recorded is not null && recordedRevision != appliedRevision)
        {
            var changes = Diff(recorded, applied);
            logMessage = $"switching to new default image set revision={appliedRevision} previousRevision={recordedRevision} changes={changes}";
            events.Add(new ImageEvent(
                EventNormal,
                ReasonImagesUpdated,
                $"Switching to default image set {appliedRevision} (was {recordedRevision}): {changes}"));
        }

        // Step 7: written before children converge, so it records the decision rather than observed pod state.
        var annotation = FormatAnnotation(applied);

        // Step 8.
        var completed = Complete(input.Explicit, applied);
        var status = new ImagesStatus
        {
            UpdateStrategy = StrategyText(strategy),
            Effective = FromSpec(completed),
            Source = source,
            Applied = applied,
            AppliedRevision = appliedRevision,
            Available = available,
            AvailableRevision = availableRevision,
        };

        ImageCondition condition;
        if (pendingReason is null)
        {
            condition = new ImageCondition(
                ConditionTypes.ImageRolloutPending, "False", ConditionReasons.UpToDate,
                $"Operator-managed components use default image set {appliedRevision}");
        }
        else
        {
            condition = new ImageCondition(
                ConditionTypes.ImageRolloutPending, "True", pendingReason,
                $"Default image set {availableRevision} is available but not adopted for operator-managed components; holding {appliedRevision} until spec.imageUpdatePolicy.acknowledgedRevision is set to \"{availableRevision}\"");
            if (pendingReason == ConditionReasons.RevisionMismatch)
            {
                events.Add(new ImageEvent(
                    EventWarning,
                    ReasonImagesRevisionMismatch,
                    string.Create(CultureInfo.InvariantCulture, $"Acknowledged revision \"{acknowledged}\" does not match the available revision \"{availableRevision}\"; it has no effect")));
            }
        }

        return new ImageResolution
        {
            Events = events,
            Completed = completed,
            AnnotationToWrite = input.AppliedImagesAnnotation == annotation ? null : annotation,
            Status = status,
            Condition = condition,
            LogMessage = logMessage,
        };
    }

    /// <summary>
    /// The recorded set R: the annotation first (durable), then <c>status.images.applied</c> (informational). The tombstone
    /// means "leaving fully pinned mode": no record, and deliberately no fallback to the stale status either.
    /// </summary>
    private static (ComponentImages? Recorded, bool Invalid) Recorded(ImageResolutionInput input, List<ImageEvent> events)
    {
        var invalid = false;
        if (input.AppliedImagesAnnotation is { } raw)
        {
            if (raw == AnnotationValues.AppliedImagesFullyPinned)
                return (null, false);
            var parsed = ParseAnnotation(raw);
            if (IsComplete(parsed))
                return (parsed, false);
            invalid = true;
            events.Add(new ImageEvent(
                EventWarning,
                ReasonImagesRecordInvalid,
                $"The {AnnotationKeys.AppliedImages} annotation is invalid or incomplete and was ignored"));
        }

        return IsComplete(input.Status?.Applied) ? (input.Status!.Applied, invalid) : (null, invalid);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
