namespace MultigresOrleans.Kubernetes.Schema;

/// <summary>What kind of rule a value broke; mirrors the API server's field.ErrorType values.</summary>
public enum SchemaErrorKind
{
    /// <summary>A field the schema does not declare (what `fieldValidation=Strict` rejects).</summary>
    UnknownField,
    Type,
    Required,
    Enum,
    Pattern,
    Format,
    TooLong,
    TooShort,
    TooMany,
    TooFew,
    OutOfRange,
    Duplicate,
}

/// <summary>
/// One schema violation at a JSON path written the way the API server writes field paths
/// (<c>spec.cells[0].name</c>), with a message shaped like the API server's so users who know
/// kubectl's errors recognise them.
/// </summary>
public sealed record SchemaError(string Path, SchemaErrorKind Kind, string Detail)
{
    public override string ToString() => Kind == SchemaErrorKind.UnknownField ? Detail : $"{Path}: {Detail}";
}
