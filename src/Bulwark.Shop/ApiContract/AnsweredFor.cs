namespace Bulwark.Shop.ApiContract;

/// <summary>Which operations can get a <see cref="PipelineAnswer"/>.</summary>
public enum AnsweredFor
{
    /// <summary>Every request: the edge sees them all before routing.</summary>
    Every,

    /// <summary>Operations that bind a body, or a query or header value that must parse.</summary>
    Input,

    /// <summary>Operations with a JSON request body.</summary>
    Body,

    /// <summary>Operations that require a signed-in caller.</summary>
    SignedIn,

    /// <summary>Operations whose policy asks more than being signed in (a role).</summary>
    Role,
}
