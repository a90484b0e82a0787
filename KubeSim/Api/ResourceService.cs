using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Schema;
using MultigresOrleans.KubeSim.Admission;
using MultigresOrleans.KubeSim.Apply;
using MultigresOrleans.KubeSim.Controllers;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Patching;
using MultigresOrleans.KubeSim.Schema;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Api;

/// <summary>
/// The API server's generic registry: create, update, patch and delete for any resource, with the
/// semantics clients rely on (resourceVersion preconditions, generation, status and scale
/// subresources, CRD schema pruning/defaulting/validation, finalizers, dry run, managed fields,
/// admission). HTTP handlers and the simulated controllers both write through it, so controller
/// writes look exactly like client writes to watchers.
/// </summary>
public sealed class ResourceService(ObjectStore store, ResourceRegistry registry, TimeProvider time, AdmissionChain admission)
{
    public ObjectStore Store => store;
    public ResourceRegistry Registry => registry;
    public TimeProvider Time => time;

    private const int MaxPatchRetries = 16;

    public JsonObject Get(ResourceType type, string ns, string name)
    {
        var obj = store.Get(type.StorageKey, ns, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);
        return Present(type, obj);
    }

    /// <summary>Rewrites apiVersion for the version asked for and applies schema defaults, as on every read.</summary>
    public static JsonObject Present(ResourceType type, JsonObject obj)
    {
        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
        if (type.Schema is { } schema)
            SchemaDefaulter.Apply(obj, schema);
        return obj;
    }

    /// <summary>Create; with <paramref name="applied"/> (server-side apply creating the object) the manager gets an Apply entry.</summary>
    public async Task<JsonObject> CreateAsync(ResourceType type, string ns, JsonObject body, RequestContext ctx, CancellationToken ct, JsonObject? applied = null)
    {
        CheckTypeMeta(type, body);
        var meta = ObjectStore.Metadata(body);
        CheckNamespace(type, ns, meta);
        var name = meta["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            var generateName = meta["generateName"]?.GetValue<string>();
            if (string.IsNullOrEmpty(generateName))
                throw ApiException.Invalid(type.QualifiedKind, type.Group, type.Kind, "",
                    [("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")]);
            name = generateName + RandomSuffix();
            meta["name"] = name;
        }
        if (type.Namespaced)
            EnsureNamespaceUsable(ns, type, name);

        var now = Timestamp(time.GetUtcNow());
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = now;
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("managedFields");
        if (type.TracksGeneration)
            meta["generation"] = 1;
        else
            meta.Remove("generation");
        if (type.HasStatus && type.IsCustom)
            body.Remove("status");

        PrepareCustomResource(type, body, ctx);
        PrepareBuiltIn(type, body, null);
        body = await admission.MutateAsync(type, "CREATE", ns, name, body, null, ctx, subresource: "", ct) ?? body;
        // Mutating webhooks may add anything: prune, default and validate what they produced, as the real server does.
        PrepareCustomResource(type, body, Silent(ctx));
        ValidateCustomResource(type, body, name);
        if (applied is not null)
            ManagedFields.SetApplied(type, body, applied, ctx.FieldManager!, type.GroupVersion, now, subresource: null);
        else
            ManagedFields.RecordUpdate(type, null, body, ctx.FieldManager ?? DefaultManager(ctx), "Update", type.GroupVersion, now, subresource: null);
        await admission.ValidateAsync(type, "CREATE", ns, name, body, null, ctx, subresource: "", ct);

        if (ctx.DryRun)
            return Present(type, body);
        var (outcome, stored) = store.Put(type.StorageKey, ns, name, body, expectedVersion: null);
        if (outcome == ObjectStore.WriteOutcome.AlreadyExists)
            throw ApiException.AlreadyExists(type.Group, type.Plural, name);
        AfterWrite(type, stored!);
        return Present(type, stored!);
    }

    /// <summary>PUT of the main resource or of the status subresource.</summary>
    public async Task<JsonObject> UpdateAsync(ResourceType type, string ns, string name, JsonObject body, string subresource, RequestContext ctx, CancellationToken ct)
    {
        CheckTypeMeta(type, body);
        var meta = ObjectStore.Metadata(body);
        CheckNamespace(type, ns, meta);
        var bodyName = meta["name"]?.GetValue<string>();
        if (bodyName is not null && bodyName != name)
            throw ApiException.BadRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
        var current = store.Get(type.StorageKey, ns, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);
        var requested = meta["resourceVersion"]?.GetValue<string>();
        if (string.IsNullOrEmpty(requested))
            requested = null;
        else if (requested != ObjectStore.ResourceVersionOf(current))
            throw ApiException.Conflict(type.Group, type.Plural, name);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await WriteUpdateAsync(type, ns, name, current, body, subresource, requested, "Update", ctx, ct);
            }
            catch (InternalConflictException)
            {
                // An unconditional update retries against the newer object, like GuaranteedUpdate.
                if (requested is not null || attempt >= MaxPatchRetries)
                    throw ApiException.Conflict(type.Group, type.Plural, name);
                current = store.Get(type.StorageKey, ns, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);
            }
        }
    }

    /// <summary>PATCH: merge, JSON, strategic merge or server-side apply, retried on internal conflicts like GuaranteedUpdate.</summary>
    public async Task<JsonObject> PatchAsync(ResourceType type, string ns, string name, string contentType, string patchText, string subresource, RequestContext ctx, CancellationToken ct)
    {
        var isApply = contentType.StartsWith("application/apply-patch", StringComparison.Ordinal);
        if (isApply && string.IsNullOrEmpty(ctx.FieldManager))
            throw new ApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                new JsonObject { ["group"] = "meta.k8s.io", ["kind"] = "PatchOptions", ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueRequired", ["message"] = "Required value: is required for apply patch", ["field"] = "fieldManager" }) });
        JsonNode? patch;
        try
        {
            patch = isApply ? Kubernetes.Yaml.YamlJson.Parse(patchText) : JsonNode.Parse(patchText);
        }
        catch (Exception e) when (e is JsonException or FormatException or YamlDotNet.Core.YamlException)
        {
            throw ApiException.BadRequest($"error decoding patch: {e.Message}");
        }

        for (var attempt = 0; ; attempt++)
        {
            var current = store.Get(type.StorageKey, ns, name);
            if (current is null)
            {
                if (isApply && subresource.Length == 0 && patch is JsonObject applied)
                {
                    var created = (JsonObject)applied.DeepClone();
                    ObjectStore.Metadata(created)["name"] = name;
                    if (type.Namespaced)
                        ObjectStore.Metadata(created)["namespace"] = ns;
                    try
                    {
                        var result = await CreateAsync(type, ns, created, ctx, ct, applied);
                        ctx.Created = true;
                        return result;
                    }
                    catch (ApiException e) when (e.Reason == "AlreadyExists" && attempt < MaxPatchRetries)
                    {
                        continue;
                    }
                }
                throw ApiException.NotFound(type.Group, type.Plural, name);
            }

            var currentVersion = ObjectStore.ResourceVersionOf(current);
            Present(type, current);
            JsonObject updated;
            var operation = "Update";
            if (subresource == "scale")
            {
                var scale = ScaleSubresource.ToScale(type, current);
                var patchedScale = ApplyPatch(type, contentType, scale, patch, isApply: false) as JsonObject
                    ?? throw ApiException.BadRequest("patch produced an invalid Scale");
                updated = ScaleSubresource.FromScale(type, current, patchedScale, name);
                subresource = "";
                var expected = patchedScale["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (!string.IsNullOrEmpty(expected) && expected != currentVersion)
                    throw ApiException.Conflict(type.Group, type.Plural, name);
                try
                {
                    var written = await WriteUpdateAsync(type, ns, name, current, updated, "", currentVersion, operation, ctx, ct, scaleWrite: true);
                    return ScaleSubresource.ToScale(type, written);
                }
                catch (InternalConflictException) when (attempt < MaxPatchRetries)
                {
                    continue;
                }
            }
            if (isApply)
            {
                if (patch is not JsonObject applyObject)
                    throw ApiException.BadRequest("apply patch must be an object");
                CheckTypeMeta(type, applyObject);
                updated = ServerSideApply.Apply(type, current, applyObject, ctx.FieldManager!, ctx.Force, subresource, time.GetUtcNow());
                operation = "Apply";
            }
            else
            {
                updated = ApplyPatch(type, contentType, current, patch, isApply) as JsonObject
                    ?? throw ApiException.BadRequest("patch produced a non-object");
            }

            var patchedVersion = updated["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(patchedVersion) && patchedVersion != currentVersion)
                throw ApiException.Conflict(type.Group, type.Plural, name);
            try
            {
                return await WriteUpdateAsync(type, ns, name, current, updated, subresource, currentVersion, operation, ctx, ct);
            }
            catch (InternalConflictException) when (attempt < MaxPatchRetries)
            {
            }
        }
    }

    private static JsonNode? ApplyPatch(ResourceType type, string contentType, JsonObject current, JsonNode? patch, bool isApply)
    {
        var media = contentType.Split(';')[0].Trim();
        return media switch
        {
            "application/json-patch+json" => JsonPatch.Apply(current, patch),
            "application/merge-patch+json" => JsonMergePatch.Apply(current, patch),
            "application/strategic-merge-patch+json" when type.SupportsStrategicMerge => StrategicMergePatch.Apply(current, patch),
            "application/strategic-merge-patch+json" => throw ApiException.UnsupportedMediaType(
                "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
            _ => throw ApiException.UnsupportedMediaType(type.SupportsStrategicMerge
                ? "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
                : "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
        };
    }

    private sealed class InternalConflictException : Exception;

    private async Task<JsonObject> WriteUpdateAsync(ResourceType type, string ns, string name, JsonObject current, JsonObject body,
        string subresource, string? expectedVersion, string operation, RequestContext ctx, CancellationToken ct, bool scaleWrite = false)
    {
        Present(type, current);
        var currentMeta = ObjectStore.Metadata(current);
        JsonObject next;
        if (subresource == "status")
        {
            // The status subresource changes status (and nothing else but metadata annotations/labels in real servers; KubeSim keeps it to status).
            next = (JsonObject)current.DeepClone();
            if (body["status"] is { } status)
                next["status"] = status.DeepClone();
            else
                next.Remove("status");
        }
        else
        {
            next = (JsonObject)body.DeepClone();
            if (type.HasStatus)
            {
                if (current["status"] is { } oldStatus)
                    next["status"] = oldStatus.DeepClone();
                else
                    next.Remove("status");
            }
        }

        var meta = ObjectStore.Metadata(next);
        // System-owned metadata cannot be changed by clients.
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            if (currentMeta[field] is { } v)
                meta[field] = v.DeepClone();
            else
                meta.Remove(field);
        }
        meta["name"] = name;
        if (type.Namespaced)
            meta["namespace"] = ns;
        else
            meta.Remove("namespace");
        meta["resourceVersion"] = ObjectStore.ResourceVersionOf(current);
        if (operation != "Apply")
        {
            // Managed fields sent by a client on update are kept only if given; otherwise carried over.
            if (meta["managedFields"] is null && currentMeta["managedFields"] is { } mf)
                meta["managedFields"] = mf.DeepClone();
        }

        if (currentMeta["deletionTimestamp"] is not null)
        {
            // A terminating object may only lose finalizers, never gain new ones.
            var oldFinalizers = (currentMeta["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>()).ToHashSet() ?? [];
            var newFinalizers = (meta["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>()) ?? [];
            if (newFinalizers.Any(f => !oldFinalizers.Contains(f)))
                throw new ApiException(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted");
        }

        if (subresource != "status")
            PrepareCustomResource(type, next, ctx);
        PrepareBuiltIn(type, next, current);
        next = await admission.MutateAsync(type, "UPDATE", ns, name, next, current, ctx, subresource, ct) ?? next;
        PrepareCustomResource(type, next, Silent(ctx));
        ValidateCustomResource(type, next, name);

        if (type.TracksGeneration && SpecChanged(type, current, next))
            meta["generation"] = JsonNumbers.LongOr(currentMeta["generation"], 0) + 1;

        var now = Timestamp(time.GetUtcNow());
        if (operation == "Update")
            ManagedFields.RecordUpdate(type, current, next, ctx.FieldManager ?? DefaultManager(ctx), "Update", type.GroupVersion, now,
                subresource: subresource.Length == 0 || scaleWrite ? (scaleWrite ? "scale" : null) : subresource);

        await admission.ValidateAsync(type, "UPDATE", ns, name, next, current, ctx, subresource, ct);

        if (ctx.DryRun)
            return Present(type, next);

        if (JsonNode.DeepEquals(WithoutVolatile(current), WithoutVolatile(next)))
        {
            // A no-op write does not bump resourceVersion or notify watchers, like the real server.
            return Present(type, current);
        }

        if (meta["deletionTimestamp"] is not null && (meta["finalizers"] as JsonArray ?? []).Count == 0)
        {
            var (delOutcome, deleted) = store.Delete(type.StorageKey, ns, name, expectedVersion ?? ObjectStore.ResourceVersionOf(current));
            if (delOutcome == ObjectStore.WriteOutcome.Conflict)
                throw new InternalConflictException();
            if (delOutcome == ObjectStore.WriteOutcome.NotFound)
                throw ApiException.NotFound(type.Group, type.Plural, name);
            AfterDelete(type, deleted!);
            return Present(type, next);
        }

        var (outcome, stored) = store.Put(type.StorageKey, ns, name, next, ObjectStore.ResourceVersionOf(current));
        switch (outcome)
        {
            case ObjectStore.WriteOutcome.Conflict:
                throw new InternalConflictException();
            case ObjectStore.WriteOutcome.NotFound:
                throw ApiException.NotFound(type.Group, type.Plural, name);
        }
        AfterWrite(type, stored!);
        return Present(type, stored!);
    }

    private static JsonObject WithoutVolatile(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        var meta = ObjectStore.Metadata(copy);
        meta.Remove("resourceVersion");
        meta.Remove("managedFields");
        return copy;
    }

    /// <summary>Generation counts changes to anything but metadata (and status, where status is a subresource).</summary>
    private static bool SpecChanged(ResourceType type, JsonObject before, JsonObject after)
    {
        static JsonObject Strip(JsonObject o, bool dropStatus)
        {
            var c = (JsonObject)o.DeepClone();
            c.Remove("metadata");
            c.Remove("apiVersion");
            c.Remove("kind");
            if (dropStatus)
                c.Remove("status");
            return c;
        }
        return !JsonNode.DeepEquals(Strip(before, type.HasStatus), Strip(after, type.HasStatus));
    }

    public async Task<JsonObject> DeleteAsync(ResourceType type, string ns, string name, JsonObject? options, RequestContext ctx, CancellationToken ct)
    {
        var current = store.Get(type.StorageKey, ns, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);
        var preconditions = options?["preconditions"] as JsonObject;
        if (preconditions?["uid"]?.GetValue<string>() is { } uid && uid != current["metadata"]?["uid"]?.GetValue<string>())
            throw ApiException.Conflict(type.Group, type.Plural, name,
                $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current["metadata"]?["uid"]}");
        if (preconditions?["resourceVersion"]?.GetValue<string>() is { } rv && rv != ObjectStore.ResourceVersionOf(current))
            throw ApiException.Conflict(type.Group, type.Plural, name,
                $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ObjectStore.ResourceVersionOf(current)}");

        var policy = options?["propagationPolicy"]?.GetValue<string>();
        if (policy is null && JsonNumbers.IsTrue(options?["orphanDependents"]))
            policy = "Orphan";
        policy ??= "Background";

        Present(type, current);
        await admission.ValidateAsync(type, "DELETE", ns, name, null, current, ctx, "", ct);

        var meta = ObjectStore.Metadata(current);
        var finalizers = meta["finalizers"] as JsonArray ?? [];
        var finalizerNames = finalizers.Select(f => f?.GetValue<string>()).ToList();
        var addFinalizer = policy switch
        {
            "Foreground" => GarbageCollector.ForegroundFinalizer,
            "Orphan" => GarbageCollector.OrphanFinalizer,
            _ => null,
        };
        if (type.Plural == "namespaces" && type.Group.Length == 0)
            addFinalizer = NamespaceFinalizer;
        var alreadyDeleting = meta["deletionTimestamp"] is not null;
        if (finalizerNames.Count == 0 && addFinalizer is null)
        {
            if (ctx.DryRun)
                return DeleteResult(type, current);
            var (outcome, deleted) = store.Delete(type.StorageKey, ns, name, ObjectStore.ResourceVersionOf(current));
            if (outcome == ObjectStore.WriteOutcome.NotFound)
                throw ApiException.NotFound(type.Group, type.Plural, name);
            if (outcome == ObjectStore.WriteOutcome.Conflict)
                return await DeleteAsync(type, ns, name, options, ctx, ct);
            AfterDelete(type, deleted!);
            return DeleteResult(type, Present(type, deleted!));
        }

        // Graceful deletion: mark the object and let finalizers (and the garbage collector) finish it.
        if (addFinalizer is not null && !finalizerNames.Contains(addFinalizer) && !alreadyDeleting)
            finalizers.Add(addFinalizer);
        meta["finalizers"] = finalizers.DeepClone();
        if (!alreadyDeleting)
        {
            meta["deletionTimestamp"] = Timestamp(time.GetUtcNow());
            meta["deletionGracePeriodSeconds"] = 0;
        }
        if (type.Plural == "namespaces" && type.Group.Length == 0)
            current["status"] = new JsonObject { ["phase"] = "Terminating" };
        if (ctx.DryRun)
            return current;
        var (putOutcome, stored) = store.Put(type.StorageKey, ns, name, current, ObjectStore.ResourceVersionOf(current));
        if (putOutcome == ObjectStore.WriteOutcome.Conflict)
            return await DeleteAsync(type, ns, name, options, ctx, ct);
        if (putOutcome == ObjectStore.WriteOutcome.NotFound)
            throw ApiException.NotFound(type.Group, type.Plural, name);
        return Present(type, stored!);
    }

    /// <summary>The namespace lifecycle finalizer; the namespace controller removes it once the namespace is empty.</summary>
    public const string NamespaceFinalizer = "kubesim.io/namespace-lifecycle";

    private static JsonObject DeleteResult(ResourceType type, JsonObject deleted)
    {
        if (BuiltInResources.ReturnsDeletedObject(type))
            return deleted;
        var details = new JsonObject { ["name"] = deleted["metadata"]?["name"]?.DeepClone() };
        if (type.Group.Length > 0)
            details["group"] = type.Group;
        details["kind"] = type.Plural;
        details["uid"] = deleted["metadata"]?["uid"]?.DeepClone();
        return ApiException.StatusBody("Success", 200, null, null, details);
    }

    /// <summary>Removes a finalizer on behalf of a controller (GC, namespace lifecycle), tolerating races.</summary>
    public async Task RemoveFinalizerAsync(ResourceType type, string ns, string name, string finalizer, CancellationToken ct)
    {
        var current = store.Get(type.StorageKey, ns, name);
        if (current?["metadata"]?["finalizers"] is not JsonArray finalizers)
            return;
        var remaining = new JsonArray([.. finalizers.Where(f => f?.GetValue<string>() != finalizer).Select(f => f?.DeepClone())]);
        if (remaining.Count == finalizers.Count)
            return;
        var patchText = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = remaining } }.ToJsonString();
        try
        {
            await PatchAsync(type, ns, name, "application/merge-patch+json", patchText, "", RequestContext.Internal("kubesim-controller"), ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private void AfterWrite(ResourceType type, JsonObject stored)
    {
        if (type.Group == "apiextensions.k8s.io" && type.Plural == "customresourcedefinitions")
            InstallCrd(stored);
    }

    private void AfterDelete(ResourceType type, JsonObject deleted)
    {
        if (type.Group == "apiextensions.k8s.io" && type.Plural == "customresourcedefinitions")
        {
            var name = deleted["metadata"]?["name"]?.GetValue<string>() ?? "";
            foreach (var removed in registry.Remove(name).Select(t => t.StorageKey).Distinct())
            {
                if (registry.FindByStorageKey(removed) is null)
                    store.DeleteAll(removed);
            }
        }
    }

    /// <summary>Serves a CRD's resources and reports it Established, as the apiextensions controllers do within a second.</summary>
    private void InstallCrd(JsonObject crd)
    {
        registry.Install(crd);
        if (crd["status"]?["conditions"] is JsonArray { Count: > 0 } && crd["status"]?["acceptedNames"] is not null)
            return;
        var status = new JsonObject
        {
            ["acceptedNames"] = crd["spec"]?["names"]?.DeepClone(),
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted")),
            ["storedVersions"] = new JsonArray([.. (crd["spec"]?["versions"] as JsonArray ?? []).Where(v => JsonNumbers.IsTrue(v?["storage"])).Select(v => (JsonNode?)v?["name"]?.DeepClone())]),
        };
        var name = crd["metadata"]!["name"]!.GetValue<string>();
        var updated = (JsonObject)crd.DeepClone();
        updated["status"] = status;
        store.Put(registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!.StorageKey, "", name, updated, ObjectStore.ResourceVersionOf(crd));

        JsonObject Condition(string type, string reason, string message) => new()
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastTransitionTime"] = Timestamp(time.GetUtcNow()),
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    private static void CheckTypeMeta(ResourceType type, JsonObject body)
    {
        var kind = body["kind"]?.GetValue<string>();
        var apiVersion = body["apiVersion"]?.GetValue<string>();
        if (string.IsNullOrEmpty(kind))
            throw ApiException.BadRequest($"Object 'Kind' is missing in '{Truncate(body.ToJsonString())}'");
        if (kind != type.Kind)
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.GroupVersion)
        {
            // Another served version of the same group is accepted (no conversion: schemas are assumed compatible).
            var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
            if (group != type.Group)
                throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.GroupVersion})");
        }
        body["apiVersion"] = type.GroupVersion;
    }

    private static string Truncate(string s) => s.Length > 200 ? s[..200] : s;

    private static void CheckNamespace(ResourceType type, string ns, JsonObject meta)
    {
        if (!type.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }
        var bodyNs = meta["namespace"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        meta["namespace"] = ns;
    }

    private void EnsureNamespaceUsable(string ns, ResourceType type, string name)
    {
        var namespaceObject = store.Get("namespaces", "", ns) ?? throw ApiException.NotFound("", "namespaces", ns);
        if (namespaceObject["metadata"]?["deletionTimestamp"] is not null)
            throw ApiException.Forbidden(type.Group, type.Plural, name,
                $"unable to create new content in namespace {ns} because it is being terminated");
    }

    /// <summary>
    /// Custom resources: unknown fields are reported per fieldValidation (Strict rejects with the
    /// real server's strict-decoding message, Warn adds warnings), then pruned, then defaulted.
    /// </summary>
    private static void PrepareCustomResource(ResourceType type, JsonObject obj, RequestContext ctx)
    {
        if (type.Schema is not { } schema)
            return;
        var unknown = StructuralSchemaValidator.Validate(obj, schema).Where(e => e.Kind == SchemaErrorKind.UnknownField).ToList();
        if (unknown.Count > 0)
        {
            switch (ctx.FieldValidation)
            {
                case FieldValidation.Strict:
                    throw ApiException.BadRequest(
                        $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: " +
                        string.Join(", ", unknown.Select(u => $"unknown field \"{u.Path}\"")));
                case FieldValidation.Warn:
                    ctx.Warnings.AddRange(unknown.Select(u => $"unknown field \"{u.Path}\""));
                    break;
            }
        }
        SchemaPruner.Prune(obj, schema);
        SchemaDefaulter.Apply(obj, schema);
    }

    private static RequestContext Silent(RequestContext ctx) => new() { User = ctx.User, DryRun = ctx.DryRun, FieldManager = ctx.FieldManager, FieldValidation = FieldValidation.Ignore };

    /// <summary>Structural-schema validation: a 422 Invalid with one cause per violation.</summary>
    private static void ValidateCustomResource(ResourceType type, JsonObject obj, string name)
    {
        if (type.Schema is not { } schema)
            return;
        var invalid = StructuralSchemaValidator.Validate(obj, schema).Where(e => e.Kind != SchemaErrorKind.UnknownField).ToList();
        if (invalid.Count > 0)
        {
            throw ApiException.Invalid(type.QualifiedKind, type.Group, type.Kind, name,
                [.. invalid.Select(e => (e.Path, CauseReason(e.Kind), e.Detail))]);
        }
    }

    private static string CauseReason(SchemaErrorKind kind) => kind switch
    {
        SchemaErrorKind.Required => "FieldValueRequired",
        SchemaErrorKind.Enum => "FieldValueNotSupported",
        SchemaErrorKind.TooLong => "FieldValueTooLong",
        SchemaErrorKind.TooMany => "FieldValueTooMany",
        SchemaErrorKind.Duplicate => "FieldValueDuplicate",
        _ => "FieldValueInvalid",
    };

    /// <summary>Defaults the real server's built-in strategies apply that clients commonly read back.</summary>
    private static int nextServiceIp;

    private static void PrepareBuiltIn(ResourceType type, JsonObject obj, JsonObject? old)
    {
        if (type.IsCustom)
            return;
        switch (type.Group, type.Plural)
        {
            case ("", "namespaces"):
                obj["status"] ??= new JsonObject { ["phase"] = "Active" };
                if (old is null)
                {
                    var labels = ObjectStore.Metadata(obj)["labels"] as JsonObject ?? new JsonObject();
                    labels["kubernetes.io/metadata.name"] = obj["metadata"]!["name"]!.DeepClone();
                    ObjectStore.Metadata(obj)["labels"] = labels;
                }
                break;
            case ("", "services"):
                var spec = obj["spec"] as JsonObject ?? new JsonObject();
                obj["spec"] = spec;
                spec["type"] ??= "ClusterIP";
                spec["sessionAffinity"] ??= "None";
                if (old?["spec"]?["clusterIP"] is { } ip && spec["clusterIP"] is null)
                    spec["clusterIP"] = ip.DeepClone();
                // The real server allocates a ClusterIP synchronously in the create call.
                if (spec["clusterIP"] is null && spec["type"]?.GetValue<string>() != "ExternalName")
                {
                    var n = Interlocked.Increment(ref nextServiceIp);
                    var allocated = string.Create(CultureInfo.InvariantCulture, $"10.96.{n / 250 % 250}.{n % 250 + 1}");
                    spec["clusterIP"] = allocated;
                    spec["clusterIPs"] = new JsonArray(allocated);
                }
                break;
            case ("", "secrets"):
                if (obj["type"] is null || obj["type"]?.GetValue<string>() == "")
                    obj["type"] = "Opaque";
                break;
            case ("apps", "deployments" or "statefulsets" or "replicasets"):
                var s = obj["spec"] as JsonObject;
                if (s is not null)
                    s["replicas"] ??= 1;
                break;
        }
    }

    private static string DefaultManager(RequestContext ctx) => ctx.User.Username.StartsWith("system:", StringComparison.Ordinal) ? "kubesim" : "unknown";

    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        Span<char> chars = stackalloc char[5];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        return new string(chars);
    }
}
