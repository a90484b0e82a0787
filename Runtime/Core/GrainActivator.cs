using System.Linq.Expressions;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace MultigresOrleans.Runtime;

/// <summary>A grain just constructed, with the persistent states injected into it (read before OnActivateAsync).</summary>
internal readonly record struct CreatedGrain(Grain Grain, IReadOnlyList<IPersistentStateLoader> States);

/// <summary>
/// Knows how to construct one grain class. The constructor is analysed once at registration and
/// compiled to a delegate; per activation only the arguments are produced: services from the silo's
/// service provider, and an <see cref="IPersistentState{T}"/> bound to the named storage provider for
/// each parameter marked <see cref="PersistentStateAttribute"/>.
/// </summary>
internal sealed class GrainClass
{
    private static readonly MethodInfo CreateStateMethod = typeof(GrainClass).GetMethod(nameof(CreateState), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly Func<object?[], object> construct;
    private readonly Func<SiloRuntime, GrainId, object>[] arguments;

    public GrainClass(Type grainClass)
    {
        if (!typeof(Grain).IsAssignableFrom(grainClass) || grainClass.IsAbstract)
            throw new ArgumentException($"{grainClass.Name} must be a concrete class deriving from Grain.", nameof(grainClass));
        ClassType = grainClass;
        GrainType = grainClass.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultTypeName(grainClass);
        var constructors = grainClass.GetConstructors();
        if (constructors.Length != 1)
            throw new ArgumentException($"{grainClass.Name} must have exactly one public constructor.", nameof(grainClass));
        var constructor = constructors[0];
        arguments = [.. constructor.GetParameters().Select(ArgumentFor)];

        var args = Expression.Parameter(typeof(object?[]), "args");
        var create = Expression.New(
            constructor,
            constructor.GetParameters().Select((p, i) => Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType)));
        construct = Expression.Lambda<Func<object?[], object>>(create, args).Compile();
    }

    public Type ClassType { get; }

    public string GrainType { get; }

    public CreatedGrain Create(SiloRuntime runtime, IGrainContext context)
    {
        var values = new object?[arguments.Length];
        List<IPersistentStateLoader> states = [];
        for (var i = 0; i < arguments.Length; i++)
        {
            values[i] = arguments[i](runtime, context.GrainId);
            if (values[i] is IPersistentStateLoader state)
                states.Add(state);
        }

        var grain = ActivationScope.Construct(context, () => (Grain)construct(values));
        return new CreatedGrain(grain, states);
    }

    private static Func<SiloRuntime, GrainId, object> ArgumentFor(ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (parameter.GetCustomAttribute<PersistentStateAttribute>() is { } attribute)
        {
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
                throw new ArgumentException($"parameter '{parameter.Name}' has [PersistentState] but is not IPersistentState<T>.", nameof(parameter));
            var create = CreateStateMethod.MakeGenericMethod(type.GetGenericArguments()[0])
                .CreateDelegate<Func<SiloRuntime, GrainId, string, string?, object>>();
            return (runtime, grainId) => create(runtime, grainId, attribute.StateName, attribute.StorageName);
        }

        return (runtime, _) => runtime.Services.GetRequiredService(type);
    }

    private static object CreateState<T>(SiloRuntime runtime, GrainId grainId, string stateName, string? storageName)
    {
        var provider = storageName
            ?? (runtime.Options.StorageByGrainType.TryGetValue(grainId.Type, out var configured) ? configured : null)
            ?? runtime.Options.DefaultStorageName;
        return new PersistentState<T>(runtime.GetStorage(provider), stateName, grainId, provider);
    }

    private static string DefaultTypeName(Type grainClass)
    {
        var name = grainClass.Name;
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
            name = name[..^"Grain".Length];
#pragma warning disable CA1308 // Grain type names are lower case by convention (they appear in keys and blob names).
        return name.ToLowerInvariant();
#pragma warning restore CA1308
    }
}

/// <summary>Grain interfaces and classes known to a silo, fixed when the silo is built.</summary>
internal sealed class GrainRegistry
{
    private readonly Dictionary<Type, GrainInterfaceMetadata> interfaces = [];
    private readonly Dictionary<string, GrainClass> classes = new(StringComparer.Ordinal);

    public void Add(Type grainInterface, Type grainClass)
    {
        if (!grainInterface.IsAssignableFrom(grainClass))
            throw new ArgumentException($"{grainClass.Name} does not implement {grainInterface.Name}.", nameof(grainClass));
        var type = new GrainClass(grainClass);
        if (classes.TryGetValue(type.GrainType, out var existing) && existing.ClassType != grainClass)
            throw new ArgumentException($"grain type '{type.GrainType}' is already used by {existing.ClassType.Name}.", nameof(grainClass));
        if (interfaces.TryGetValue(grainInterface, out var known) && known.GrainType != type.GrainType)
            throw new ArgumentException($"{grainInterface.Name} is already implemented by grain type '{known.GrainType}'.", nameof(grainInterface));
        classes[type.GrainType] = existing ?? type;
        interfaces[grainInterface] = new GrainInterfaceMetadata(grainInterface, type.GrainType);
    }

    /// <summary>Registers a grain interface without a class (a client: it only makes references), under <paramref name="grainType"/>.</summary>
    public void AddInterface(Type grainInterface, string grainType)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        if (interfaces.TryGetValue(grainInterface, out var known) && known.GrainType != grainType)
            throw new ArgumentException($"{grainInterface.Name} is already registered for grain type '{known.GrainType}'.", nameof(grainInterface));
        interfaces[grainInterface] = new GrainInterfaceMetadata(grainInterface, grainType);
    }

    /// <summary>Every registered grain interface (the remote transport indexes their methods by wire id).</summary>
    public IEnumerable<GrainInterfaceMetadata> Interfaces => interfaces.Values;

    public bool TryGetClass(string grainType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GrainClass? grainClass) =>
        classes.TryGetValue(grainType, out grainClass);

    public GrainInterfaceMetadata Interface(Type grainInterface) =>
        interfaces.TryGetValue(grainInterface, out var metadata)
            ? metadata
            : throw new InvalidOperationException($"no grain class is registered for {grainInterface.Name}; call SiloHostBuilder.AddGrain.");

    public GrainClass Class(string grainType) =>
        classes.TryGetValue(grainType, out var type)
            ? type
            : throw new InvalidOperationException($"no grain class is registered for grain type '{grainType}'.");
}
