using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bulwark.Shop.ApiContract;

/// <summary>
/// The OpenAPI document, rendered once and then served from memory. Generating it walks every endpoint and
/// schema: 35 to 115 ms a request once warm and about 0.6 s for the first (curl on the 2-core development
/// machine). Per request, that would make a public URL a cheap way to burn the shop's CPU, and a cold render
/// on a busy machine could outlast the request's deadline. The endpoints cannot change while the shop runs,
/// so neither can the document.
/// </summary>
public sealed class RenderedDocument([FromKeyedServices(ApiContractRegistration.DocumentName)] IOpenApiDocumentProvider provider)
{
    private Lazy<Task<byte[]>>? _rendering;

    public Task<byte[]> JsonAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _rendering);
        if (current is null || current.Value.IsFaulted || current.Value.IsCanceled)
        {
            // A failed render is tried again by the next request rather than remembered forever.
            var fresh = new Lazy<Task<byte[]>>(RenderAsync);
            current = Interlocked.CompareExchange(ref _rendering, fresh, current) == current ? fresh : Volatile.Read(ref _rendering)!;
        }

        // The render runs to the end even if this request gives up: the next one gets it.
        return current.Value.WaitAsync(cancellationToken);
    }

    private async Task<byte[]> RenderAsync()
    {
        var document = await provider.GetOpenApiDocumentAsync(CancellationToken.None);
        using var json = new MemoryStream();
        await document.SerializeAsJsonAsync(json, OpenApiSpecVersion.OpenApi3_1, CancellationToken.None);
        return json.ToArray();
    }
}
