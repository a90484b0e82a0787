using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Images;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Images;

/// <summary>Every branch of spec §6.1.3 image resolution, driven as a pure decision.</summary>
public sealed class ImageResolverTests
{
    private static readonly DefaultImageSet D = DefaultImageSet.Compiled;

    /// <summary>An older default set, as a cluster created by a previous operator release would have recorded it.</summary>
    private static readonly ComponentImages Old = D.Images with
    {
        Postgres = "ghcr.io/multigres/pgctld:sha-old",
        Multiorch = "ghcr.io/multigres/multigres:sha-old",
    };

    private static readonly string OldRevision = ImageResolver.Revision(Old);

    private static ImageResolutionInput Input(
        ClusterImages? spec = null,
        string? annotation = null,
        ImagesStatus? status = null,
        ImageUpdateStrategy operatorStrategy = ImageUpdateStrategy.Immediate,
        ImageUpdatePolicy? policy = null,
        DefaultImageSet? defaults = null) =>
        new(spec, annotation, status, defaults ?? D, operatorStrategy, policy);

    private static ClusterImages Pinned() => new()
    {
        Multigateway = "r/gw:1", Multiorch = "r/orch:1", Multipooler = "r/pooler:1",
        Multiadmin = "r/admin:1", MultiadminWeb = "r/web:1", Postgres = "r/pg:1",
        ImagePullSecrets = [new LocalObjectReference { Name = "regcred" }],
    };

    [Fact]
    public void Compiled_set_has_the_published_revision()
    {
        Assert.Equal(DefaultImages.CompiledRevision, ImageResolver.Revision(D.Images));
        Assert.Equal("51818592d94d", D.Revision);
        Assert.NotEqual(D.Revision, OldRevision);
    }

    [Fact]
    public void Revision_does_not_depend_on_which_field_holds_which_line()
    {
        // Same six images, but postgres and multiadmin swapped: the lines differ, so must the revision.
        var swapped = D.Images with { Postgres = D.Images.Multiadmin, Multiadmin = D.Images.Postgres };
        Assert.NotEqual(D.Revision, ImageResolver.Revision(swapped));
        Assert.Matches("^[0-9a-f]{12}$", ImageResolver.Revision(swapped));
    }

    [Fact]
    public void Environment_overrides_are_trimmed_and_empty_keeps_the_compiled_default()
    {
        var set = DefaultImageSet.FromEnvironment(name => name switch
        {
            "MULTIGRES_IMAGE_POSTGRES" => "  my/pg:17  ",
            "MULTIGRES_IMAGE_MULTIADMIN_WEB" => "my/web:2",
            "MULTIGRES_IMAGE_MULTIORCH" => "   ",
            _ => null,
        });
        Assert.Equal("my/pg:17", set.Images.Postgres);
        Assert.Equal("my/web:2", set.Images.MultiadminWeb);
        Assert.Equal(DefaultImages.Multiorch, set.Images.Multiorch);
        Assert.Equal(DefaultImages.Multigateway, set.Images.Multigateway);
        Assert.Equal(["MULTIGRES_IMAGE_MULTIADMIN_WEB", "MULTIGRES_IMAGE_POSTGRES"], set.Overrides.Keys.Order(StringComparer.Ordinal));
        Assert.NotEqual(DefaultImages.CompiledRevision, set.Revision);

        var none = DefaultImageSet.FromEnvironment(_ => null);
        Assert.Equal(D.Images, none.Images);
        Assert.Empty(none.Overrides);
    }

    [Fact]
    public void Annotation_is_compact_json_in_spec_field_order_and_round_trips()
    {
        var json = ImageResolver.FormatAnnotation(D.Images);
        Assert.Equal(
            "{\"multigateway\":\"ghcr.io/multigres/multigres:sha-66d2310\",\"multiorch\":\"ghcr.io/multigres/multigres:sha-66d2310\","
            + "\"multipooler\":\"ghcr.io/multigres/multigres:sha-66d2310\",\"multiadmin\":\"ghcr.io/multigres/multigres:sha-66d2310\","
            + "\"multiadminWeb\":\"ghcr.io/multigres/multiadmin-web:sha-64da1ab\",\"postgres\":\"ghcr.io/multigres/pgctld:sha-66d2310\"}",
            json);
        Assert.Equal(D.Images, ImageResolver.ParseAnnotation(json));
        Assert.Null(ImageResolver.ParseAnnotation("{not json"));
        Assert.Null(ImageResolver.ParseAnnotation("[1]"));
        Assert.Null(ImageResolver.ParseAnnotation(""));
    }

    [Fact]
    public void Fully_pinned_writes_the_tombstone_once_and_reports_explicit()
    {
        var result = ImageResolver.Resolve(Input(spec: Pinned(), annotation: ImageResolver.FormatAnnotation(D.Images)));

        Assert.Null(result.Error);
        Assert.Equal("\"fully-pinned\"", result.AnnotationToWrite);
        Assert.Equal(ImageSource.Explicit, result.Status!.Source);
        Assert.Equal("r/pg:1", result.Status.Effective.Postgres);
        Assert.Null(result.Status.Applied);
        Assert.Null(result.Status.AppliedRevision);
        Assert.Null(result.Status.Available);
        Assert.Null(result.Status.UpdateStrategy);
        Assert.Equal(new ImageCondition("ImageRolloutPending", "False", "FullyPinned", "All component images are explicitly pinned"), result.Condition);
        Assert.Equal("r/gw:1", result.Completed!.Multigateway);
        Assert.Equal("regcred", result.Completed.ImagePullSecrets![0].Name);
        Assert.Empty(result.Events);

        var steady = ImageResolver.Resolve(Input(spec: Pinned(), annotation: "\"fully-pinned\""));
        Assert.Null(steady.AnnotationToWrite);
    }

    [Fact]
    public void Defaults_on_a_new_cluster_adopt_D_and_record_it()
    {
        var result = ImageResolver.Resolve(Input());

        Assert.Null(result.Error);
        Assert.Equal(ImageResolver.FormatAnnotation(D.Images), result.AnnotationToWrite);
        var status = result.Status!;
        Assert.Equal(ImageSource.Defaults, status.Source);
        Assert.Equal("immediate", status.UpdateStrategy);
        Assert.Equal(D.Images, status.Applied);
        Assert.Equal(D.Images, status.Available);
        Assert.Equal(D.Images, status.Effective);
        Assert.Equal("51818592d94d", status.AppliedRevision);
        Assert.Equal("51818592d94d", status.AvailableRevision);
        Assert.Equal(
            new ImageCondition("ImageRolloutPending", "False", "UpToDate", "Operator-managed components use default image set 51818592d94d"),
            result.Condition);
        Assert.Equal(DefaultImages.Postgres, result.Completed!.Postgres);
        Assert.Equal(DefaultImages.MultiadminWeb, result.Completed.MultiadminWeb);
        Assert.Empty(result.Events);
        Assert.Null(result.LogMessage);
    }

    [Fact]
    public void Steady_state_writes_nothing()
    {
        var result = ImageResolver.Resolve(Input(annotation: ImageResolver.FormatAnnotation(D.Images)));
        Assert.Null(result.AnnotationToWrite);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Mixed_keeps_pins_and_fills_the_rest()
    {
        var spec = new ClusterImages { Postgres = "my/pg:16", ImagePullPolicy = PullPolicy.Always };
        var result = ImageResolver.Resolve(Input(spec: spec));

        Assert.Equal(ImageSource.Mixed, result.Status!.Source);
        Assert.Equal("my/pg:16", result.Completed!.Postgres);
        Assert.Equal("my/pg:16", result.Status.Effective.Postgres);
        Assert.Equal(DefaultImages.Multiorch, result.Completed.Multiorch);
        Assert.Equal(PullPolicy.Always, result.Completed.ImagePullPolicy);
        // The applied record is the default set, not the effective one: pins are not part of it.
        Assert.Equal(DefaultImages.Postgres, result.Status.Applied!.Postgres);
        Assert.Equal(ImageResolver.FormatAnnotation(D.Images), result.AnnotationToWrite);
    }

    [Fact]
    public void Immediate_switches_from_the_recorded_set_with_an_ImagesUpdated_event()
    {
        var result = ImageResolver.Resolve(Input(annotation: ImageResolver.FormatAnnotation(Old)));

        Assert.Equal(D.Images, result.Status!.Applied);
        var e = Assert.Single(result.Events);
        Assert.Equal("Normal", e.Type);
        Assert.Equal("ImagesUpdated", e.Reason);
        Assert.Equal(
            $"Switching to default image set 51818592d94d (was {OldRevision}): "
            + "postgres: ghcr.io/multigres/pgctld:sha-old -> ghcr.io/multigres/pgctld:sha-66d2310, "
            + "multiorch: ghcr.io/multigres/multigres:sha-old -> ghcr.io/multigres/multigres:sha-66d2310",
            e.Message);
        Assert.NotNull(result.LogMessage);
        Assert.Equal(ImageResolver.FormatAnnotation(D.Images), result.AnnotationToWrite);
    }

    [Fact]
    public void Diff_with_no_change_says_so() =>
        Assert.Equal("no component changes", ImageResolver.Diff(D.Images, D.Images));

    [Fact]
    public void Lazy_holds_the_recorded_set_awaiting_acknowledgement()
    {
        var result = ImageResolver.Resolve(Input(
            annotation: ImageResolver.FormatAnnotation(Old),
            operatorStrategy: ImageUpdateStrategy.Lazy));

        Assert.Null(result.Error);
        Assert.Equal(Old, result.Status!.Applied);
        Assert.Equal(OldRevision, result.Status.AppliedRevision);
        Assert.Equal(D.Images, result.Status.Available);
        Assert.Equal("lazy", result.Status.UpdateStrategy);
        Assert.Equal("ghcr.io/multigres/pgctld:sha-old", result.Completed!.Postgres);
        Assert.Null(result.AnnotationToWrite);
        Assert.Equal(
            new ImageCondition(
                "ImageRolloutPending", "True", "AwaitingAcknowledgement",
                $"Default image set 51818592d94d is available but not adopted for operator-managed components; holding {OldRevision} until spec.imageUpdatePolicy.acknowledgedRevision is set to \"51818592d94d\""),
            result.Condition);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Lazy_from_the_cluster_policy_overrides_an_immediate_operator()
    {
        var result = ImageResolver.Resolve(Input(
            annotation: ImageResolver.FormatAnnotation(Old),
            policy: new ImageUpdatePolicy { Strategy = ImageUpdateStrategy.Lazy, AcknowledgedRevision = OldRevision }));
        Assert.Equal("AwaitingAcknowledgement", result.Condition!.Reason);
        Assert.Equal("lazy", result.Status!.UpdateStrategy);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Lazy_adopts_when_the_available_revision_is_acknowledged()
    {
        var result = ImageResolver.Resolve(Input(
            annotation: ImageResolver.FormatAnnotation(Old),
            operatorStrategy: ImageUpdateStrategy.Lazy,
            policy: new ImageUpdatePolicy { AcknowledgedRevision = "51818592d94d" }));

        Assert.Equal(D.Images, result.Status!.Applied);
        Assert.Equal("UpToDate", result.Condition!.Reason);
        Assert.Equal("False", result.Condition.Status);
        Assert.Equal(ImageResolver.FormatAnnotation(D.Images), result.AnnotationToWrite);
        Assert.Equal("ImagesUpdated", Assert.Single(result.Events).Reason);
    }

    [Fact]
    public void Lazy_new_cluster_adopts_D_without_acknowledgement()
    {
        var result = ImageResolver.Resolve(Input(operatorStrategy: ImageUpdateStrategy.Lazy));
        Assert.Equal(D.Images, result.Status!.Applied);
        Assert.Equal("UpToDate", result.Condition!.Reason);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Lazy_with_a_wrong_acknowledgement_holds_and_warns()
    {
        var result = ImageResolver.Resolve(Input(
            annotation: ImageResolver.FormatAnnotation(Old),
            operatorStrategy: ImageUpdateStrategy.Lazy,
            policy: new ImageUpdatePolicy { AcknowledgedRevision = "deadbeef0000" }));

        Assert.Equal(Old, result.Status!.Applied);
        Assert.Equal("True", result.Condition!.Status);
        Assert.Equal("RevisionMismatch", result.Condition.Reason);
        var e = Assert.Single(result.Events);
        Assert.Equal(
            new ImageEvent("Warning", "ImagesRevisionMismatch", "Acknowledged revision \"deadbeef0000\" does not match the available revision \"51818592d94d\"; it has no effect"),
            e);
    }

    [Fact]
    public void Immediate_ignores_an_acknowledgement_that_matches_nothing()
    {
        var result = ImageResolver.Resolve(Input(
            annotation: ImageResolver.FormatAnnotation(D.Images),
            policy: new ImageUpdatePolicy { AcknowledgedRevision = "deadbeef0000" }));
        Assert.Equal(
            new ImageEvent("Warning", "ImagesAcknowledgementIgnored", "spec.imageUpdatePolicy.acknowledgedRevision has no effect under the immediate update strategy"),
            Assert.Single(result.Events));

        var matching = ImageResolver.Resolve(Input(
            annotation: ImageResolver.FormatAnnotation(D.Images),
            policy: new ImageUpdatePolicy { AcknowledgedRevision = "51818592d94d" }));
        Assert.Empty(matching.Events);
    }

    [Fact]
    public void Invalid_record_under_lazy_without_status_fails_closed()
    {
        var result = ImageResolver.Resolve(Input(annotation: "{not json", operatorStrategy: ImageUpdateStrategy.Lazy));

        Assert.Equal(
            "cannot resolve images with lazy update strategy: multigres.com/applied-images annotation is invalid and status.images has no complete applied set",
            result.Error);
        Assert.Null(result.AnnotationToWrite);
        Assert.Null(result.Completed);
        Assert.Null(result.Status);
        Assert.Equal(
            new ImageEvent("Warning", "ImagesRecordInvalid", "The multigres.com/applied-images annotation is invalid or incomplete and was ignored"),
            Assert.Single(result.Events));
    }

    [Fact]
    public void Empty_annotation_is_invalid_too()
    {
        var result = ImageResolver.Resolve(Input(annotation: "", operatorStrategy: ImageUpdateStrategy.Lazy));
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void Incomplete_record_under_lazy_falls_back_to_status_and_holds()
    {
        var partial = "{\"postgres\":\"x/pg:1\"}";
        var status = new ImagesStatus { Effective = Old, Source = ImageSource.Defaults, Applied = Old };
        var result = ImageResolver.Resolve(Input(annotation: partial, status: status, operatorStrategy: ImageUpdateStrategy.Lazy));

        Assert.Null(result.Error);
        Assert.Equal(Old, result.Status!.Applied);
        Assert.Equal("AwaitingAcknowledgement", result.Condition!.Reason);
        Assert.Equal(ImageResolver.FormatAnnotation(Old), result.AnnotationToWrite);
        Assert.Equal(["ImagesRecordInvalid"], result.Events.Select(e => e.Reason));
    }

    [Fact]
    public void Invalid_record_under_immediate_adopts_D_loudly()
    {
        var result = ImageResolver.Resolve(Input(annotation: "{not json"));

        Assert.Null(result.Error);
        Assert.Equal(D.Images, result.Status!.Applied);
        Assert.Equal(ImageResolver.FormatAnnotation(D.Images), result.AnnotationToWrite);
        Assert.Equal(
            [
                new ImageEvent("Warning", "ImagesRecordInvalid", "The multigres.com/applied-images annotation is invalid or incomplete and was ignored"),
                new ImageEvent("Warning", "ImagesRecordInvalid", "The multigres.com/applied-images annotation is invalid and status.images is unavailable; adopting the current default image set 51818592d94d"),
            ],
            result.Events);
    }

    [Fact]
    public void Status_is_the_record_when_the_annotation_is_absent()
    {
        var status = new ImagesStatus { Effective = Old, Source = ImageSource.Defaults, Applied = Old };
        var result = ImageResolver.Resolve(Input(status: status, operatorStrategy: ImageUpdateStrategy.Lazy));
        Assert.Equal(Old, result.Status!.Applied);
        Assert.Equal(ImageResolver.FormatAnnotation(Old), result.AnnotationToWrite);
    }

    [Fact]
    public void Leaving_fully_pinned_mode_ignores_stale_status_and_adopts_D()
    {
        var stale = new ImagesStatus { Effective = Old, Source = ImageSource.Defaults, Applied = Old };
        var result = ImageResolver.Resolve(Input(
            annotation: "\"fully-pinned\"", status: stale, operatorStrategy: ImageUpdateStrategy.Lazy,
            spec: new ClusterImages { Postgres = "my/pg:1" }));

        Assert.Equal(D.Images, result.Status!.Applied);
        Assert.Equal("UpToDate", result.Condition!.Reason);
        Assert.Empty(result.Events);
        Assert.Equal(ImageResolver.FormatAnnotation(D.Images), result.AnnotationToWrite);
    }

    [Theory]
    [InlineData("immediate", ImageUpdateStrategy.Immediate)]
    [InlineData("lazy", ImageUpdateStrategy.Lazy)]
    [InlineData("Lazy", null)]
    [InlineData("", null)]
    public void Strategy_flag_parsing(string value, ImageUpdateStrategy? expected) =>
        Assert.Equal(expected, ImageResolver.ParseStrategy(value));
}
