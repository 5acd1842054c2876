using Bulwark.Shop.Hosting;

await using var app = await ShopApplication.BuildAsync(args);
await app.RunAsync();
