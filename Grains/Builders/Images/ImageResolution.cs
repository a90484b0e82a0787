using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Builders.Images;

/// <summary>Everything <see cref="ImageResolver.Resolve"/> decides from; all of it is read before the decision, none of it is mutated.</summary>
/// <param name="Explicit">The cluster's <c>spec.images</c> (the user's pins); null when absent.</param>
/// <param name="AppliedImagesAnnotation">The value of <c>multigres.com/applied-images</c>, or null when the annotation is absent (empty is "present and invalid").</param>
/// <param name="Status">The cluster's current <c>status.images</c>, the fallback record.</param>
/// <param name="Defaults">The operator's default set D.</param>
/// <param name="OperatorStrategy">The operator's <c>--image-update-strategy</c> S.</param>
/// <param name="Policy">The cluster's <c>spec.imageUpdatePolicy</c>.</param>
public sealed record ImageResolutionInput(
    ClusterImages? Explicit,
    string? AppliedImagesAnnotation,
    ImagesStatus? Status,
    DefaultImageSet Defaults,
    ImageUpdateStrategy OperatorStrategy,
    ImageUpdatePolicy? Policy);

/// <summary>A Kubernetes event the caller records on the MultigresCluster.</summary>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
public sealed record ImageEvent(string Type, string Reason, string Message);

/// <summary>The <c>ImageRolloutPending</c> condition to set (the caller stamps generation and transition time).</summary>
/// <param name="Status"><c>True</c> or <c>False</c>.</param>
public sealed record ImageCondition(string Type, string Status, string Reason, string Message);

/// <summary>
/// The outcome of spec §6.1.3 for one reconcile. On <see cref="Error"/> nothing else is to be applied (no patch,
/// no child reconcile), but <see cref="Events"/> must still be recorded: they explain the error.
/// </summary>
public sealed record ImageResolution
{
    /// <summary>Events to record, in order; also present when <see cref="Error"/> is set.</summary>
    public required IReadOnlyList<ImageEvent> Events { get; init; }

    /// <summary>The reconcile error (the caller prefixes <c>Failed to resolve component images:</c>); null on success.</summary>
    public string? Error { get; init; }

    /// <summary>The in-memory <c>spec.images</c> with every empty image filled; never persisted.</summary>
    public ClusterImages? Completed { get; init; }

    /// <summary>The new <c>multigres.com/applied-images</c> value to merge-patch, or null when the stored value is already right.</summary>
    public string? AnnotationToWrite { get; init; }

    public ImagesStatus? Status { get; init; }

    public ImageCondition? Condition { get; init; }

    /// <summary>A line for the operator log when the applied set switches (the <c>ImagesUpdated</c> case); null otherwise.</summary>
    public string? LogMessage { get; init; }
}
