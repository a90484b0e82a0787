using System.Reflection;
using System.Text;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>
/// Stable names for the wire. <see cref="Type.FullName"/> is not usable: for generic types it embeds
/// assembly-qualified names with versions, so two builds on different framework patch levels would
/// disagree about <c>List&lt;string&gt;</c>. These names use namespace, name and generic arguments only.
/// </summary>
internal static class WireNames
{
    /// <summary><c>Namespace.IFooGrain.Method(Param1Type,Param2Type)</c>; computed once per method at registration.</summary>
    public static string MethodId(MethodInfo method)
    {
        var text = new StringBuilder();
        text.Append(TypeName(method.DeclaringType!)).Append('.').Append(method.Name).Append('(');
        var parameters = method.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            if (i > 0)
                text.Append(',');
            text.Append(TypeName(parameters[i].ParameterType));
        }

        return text.Append(')').ToString();
    }

    public static string TypeName(Type type)
    {
        if (type.IsArray)
            return TypeName(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (type.IsGenericParameter)
            return type.Name;
        var name = type.IsNested && type.DeclaringType is { } outer
            ? TypeName(outer) + "+" + type.Name
            : type.Namespace is null ? type.Name : type.Namespace + "." + type.Name;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            name += "<" + string.Join(",", type.GetGenericArguments().Select(TypeName)) + ">";
        return name;
    }
}
