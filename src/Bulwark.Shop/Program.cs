using Bulwark.Shop.Commands;
using Bulwark.Shop.Hosting;

if (args is ["smoke-check", ..])
{
    return await SmokeCheck.RunAsync(args, Console.Out, CancellationToken.None);
}

await using var app = await ShopApplication.BuildAsync(args);
await app.RunAsync();
return 0;
