using System.Text;
using System.Threading.Channels;
using Bulwark.Guard.Telemetry;
using Bulwark.Shop.Hosting;
using Bulwark.Shop.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>OTLP through the SDK's standard settings, against a real HTTP listener standing in for a collector.</summary>
[Collection(ShopCollection.Name)]
public sealed class OtlpExportTests(ShopFixture shop)
{
    [Fact]
    public async Task With_the_standard_OTLP_settings_the_shop_pushes_its_metrics_and_traces_to_the_collector()
    {
        var bodies = Channel.CreateUnbounded<(string Path, byte[] Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = builder.Build();
        collector.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            await bodies.Writer.WriteAsync((context.Request.Path.Value!, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync();

        await using var exporting = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", shop.ConnectionString,
            "--OTEL_EXPORTER_OTLP_ENDPOINT", collector.Urls.First(),
            "--OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "--OTEL_METRIC_EXPORT_INTERVAL", "500",
            "--OTEL_BSP_SCHEDULE_DELAY", "500",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await exporting.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(exporting.Urls.First()) };
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            // Protobuf keeps strings as UTF-8: the gate's limit in a metrics export, a gate wait in a trace export.
            var wanted = new Dictionary<string, string>
            {
                ["/v1/metrics"] = "bulwark.db.limit",
                ["/v1/traces"] = GateTracing.WaitSpan,
            };
            while (wanted.Count > 0)
            {
                // Gated work to trace: readiness turns into catalog reads once the database is migrated.
                await client.GetAsync("/api/categories", patience.Token);
                while (bodies.Reader.TryRead(out var export))
                {
                    if (wanted.TryGetValue(export.Path, out var marker) && Encoding.UTF8.GetString(export.Body).Contains(marker, StringComparison.Ordinal))
                    {
                        wanted.Remove(export.Path);
                    }
                }

                await Task.Delay(100, patience.Token);
            }
        }
        finally
        {
            await exporting.StopAsync();
            await collector.StopAsync();
        }
    }

    [Fact]
    public async Task The_retired_Otlp_section_stops_the_shop_with_a_message_naming_the_standard_settings()
    {
        await using var misconfigured = await ShopApplication.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--ConnectionStrings:Shop", shop.ConnectionString,
            "--Otlp:Endpoint", "http://collector:4317",
            "--Logging:LogLevel:Default", "None",
        ]);

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => misconfigured.StartAsync());
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", refused.Message, StringComparison.Ordinal);
    }
}
