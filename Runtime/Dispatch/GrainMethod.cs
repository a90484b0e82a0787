using System.Linq.Expressions;
using System.Reflection;

namespace MultigresOrleans.Runtime;

/// <summary>
/// One grain interface method with two delegates compiled once, when the interface is registered:
/// <see cref="Invoke"/> calls the method on a grain instance with unboxed arguments (server side)
/// and <see cref="Convert"/> turns the runtime's <c>Task&lt;object?&gt;</c> into the method's own
/// return type (client side). A call therefore costs one dictionary lookup and two delegate calls,
/// never a <see cref="MethodBase.Invoke(object?, object?[])"/>.
/// </summary>
internal sealed class GrainMethod
{
    private static readonly MethodInfo FromTaskMethod = typeof(GrainMethod).GetMethod(nameof(FromTask), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo FromTaskOfMethod = typeof(GrainMethod).GetMethod(nameof(FromTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo FromValueTaskMethod = typeof(GrainMethod).GetMethod(nameof(FromValueTask), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo FromValueTaskOfMethod = typeof(GrainMethod).GetMethod(nameof(FromValueTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ToTaskOfMethod = typeof(GrainMethod).GetMethod(nameof(ToTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ToValueTaskMethod = typeof(GrainMethod).GetMethod(nameof(ToValueTask), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ToValueTaskOfMethod = typeof(GrainMethod).GetMethod(nameof(ToValueTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;

    private GrainMethod(MethodInfo method, bool readOnly, Func<object, object?[], Task<object?>> invoke, Func<Task<object?>, object> convert)
    {
        Method = method;
        Name = $"{method.DeclaringType!.Name}.{method.Name}";
        WireId = Transport.WireNames.MethodId(method); // the remote transport's stable method id, computed once here
        ReadOnly = readOnly;
        Invoke = invoke;
        Convert = convert;
    }

    public MethodInfo Method { get; }

    public string Name { get; }

    /// <summary>Stable identity on the wire: interface full name, method name, parameter type names (no assembly versions).</summary>
    public string WireId { get; }

    public bool ReadOnly { get; }

    public Func<object, object?[], Task<object?>> Invoke { get; }

    public Func<Task<object?>, object> Convert { get; }

    public static GrainMethod Create(Type grainInterface, MethodInfo method)
    {
        if (method.IsGenericMethodDefinition)
            throw new NotSupportedException($"{grainInterface.Name}.{method.Name}: generic grain methods are not supported.");
        var parameters = method.GetParameters();
        if (parameters.Any(p => p.ParameterType.IsByRef))
            throw new NotSupportedException($"{grainInterface.Name}.{method.Name}: ref/out/in parameters are not supported.");

        var returnType = method.ReturnType;
        MethodInfo fromResult;
        MethodInfo? toResult;
        if (returnType == typeof(Task))
        {
            fromResult = FromTaskMethod;
            toResult = null;
        }
        else if (returnType == typeof(ValueTask))
        {
            fromResult = FromValueTaskMethod;
            toResult = ToValueTaskMethod;
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            fromResult = FromTaskOfMethod.MakeGenericMethod(returnType.GetGenericArguments());
            toResult = ToTaskOfMethod.MakeGenericMethod(returnType.GetGenericArguments());
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            fromResult = FromValueTaskOfMethod.MakeGenericMethod(returnType.GetGenericArguments());
            toResult = ToValueTaskOfMethod.MakeGenericMethod(returnType.GetGenericArguments());
        }
        else
        {
            throw new NotSupportedException($"{grainInterface.Name}.{method.Name} returns {returnType.Name}; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>.");
        }

        // (object grain, object?[] args) => FromX(((IFoo)grain).Method((T0)args[0], ...))
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var call = Expression.Call(
            Expression.Convert(grain, method.DeclaringType!),
            method,
            parameters.Select((p, i) => Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType)));
        var invoke = Expression.Lambda<Func<object, object?[], Task<object?>>>(Expression.Call(fromResult, call), grain, args).Compile();

        Func<Task<object?>, object> convert;
        if (toResult is null)
        {
            convert = static task => task;
        }
        else
        {
            var task = Expression.Parameter(typeof(Task<object?>), "task");
            convert = Expression.Lambda<Func<Task<object?>, object>>(Expression.Convert(Expression.Call(toResult, task), typeof(object)), task).Compile();
        }

        var readOnly = method.GetCustomAttribute<ReadOnlyAttribute>() is not null;
        return new GrainMethod(method, readOnly, invoke, convert);
    }

    private static async Task<object?> FromTask(Task task)
    {
        await task.ConfigureAwait(true);
        return null;
    }

    private static async Task<object?> FromTaskOf<T>(Task<T> task) => await task.ConfigureAwait(true);

    private static async Task<object?> FromValueTask(ValueTask task)
    {
        await task.ConfigureAwait(true);
        return null;
    }

    private static async Task<object?> FromValueTaskOf<T>(ValueTask<T> task) => await task.ConfigureAwait(true);

    private static async Task<T> ToTaskOf<T>(Task<object?> task) => (T)(await task.ConfigureAwait(false))!;

    private static ValueTask ToValueTask(Task<object?> task) => new(task);

    private static ValueTask<T> ToValueTaskOf<T>(Task<object?> task) => new(ToTaskOf<T>(task));
}

/// <summary>The methods of one grain interface (including inherited grain interfaces), keyed by the interface's MethodInfo.</summary>
internal sealed class GrainInterfaceMetadata
{
    public GrainInterfaceMetadata(Type grainInterface, string grainType)
    {
        if (!grainInterface.IsInterface || !typeof(IGrainWithStringKey).IsAssignableFrom(grainInterface))
            throw new ArgumentException($"{grainInterface.Name} is not a grain interface (an interface deriving from IGrainWithStringKey).", nameof(grainInterface));
        InterfaceType = grainInterface;
        GrainType = grainType;
        var methods = new Dictionary<MethodInfo, GrainMethod>();
        foreach (var type in grainInterface.GetInterfaces().Append(grainInterface))
        {
            foreach (var method in type.GetMethods())
                methods[method] = GrainMethod.Create(type, method);
        }

        Methods = methods;
    }

    public Type InterfaceType { get; }

    public string GrainType { get; }

    public IReadOnlyDictionary<MethodInfo, GrainMethod> Methods { get; }
}
