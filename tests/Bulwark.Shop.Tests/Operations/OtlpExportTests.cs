using System.Diagnostics.Metrics;
using System.Text;
using System.Threading.Channels;
using Bulwark.Shop.Operations.Metrics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;

namespace Bulwark.Shop.Tests.Operations;

/// <summary>The OTLP push, against a real HTTP listener standing in for a collector.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Configured_with_an_endpoint_the_shop_pushes_its_meters_to_the_collector()
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

        var probe = $"test.otlp.probe.{Guid.NewGuid():N}";
        using var meter = new Meter(MetricSources.ShopMeter);
        var export = new OtlpMetricsExport(Options.Create(new OtlpOptions
        {
            Endpoint = new Uri(collector.Urls.First()),
            Protocol = "http/protobuf",
            ExportInterval = TimeSpan.FromSeconds(1),
        }), NullLogger<OtlpMetricsExport>.Instance);

        await export.StartAsync(CancellationToken.None);
        try
        {
            meter.CreateCounter<long>(probe).Add(3);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            while (true)
            {
                var (path, body) = await bodies.Reader.ReadAsync(patience.Token);
                Assert.Equal("/v1/metrics", path);
                if (Encoding.UTF8.GetString(body).Contains(probe, StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        finally
        {
            await export.StopAsync(CancellationToken.None);
            export.Dispose();
            await collector.StopAsync();
        }
    }

    [Theory]
    [InlineData("http://collector:4318", "http/protobuf", "http://collector:4318/v1/metrics")]
    [InlineData("http://collector:4318/custom/path", "http/protobuf", "http://collector:4318/custom/path")]
    [InlineData("http://collector:4317", "grpc", "http://collector:4317/")]
    public void A_collectors_base_address_gets_the_metrics_path_over_HTTP_only(string endpoint, string protocol, string expected) =>
        Assert.Equal(new Uri(expected), OtlpMetricsExport.ExporterEndpoint(new Uri(endpoint), OtlpMetricsExport.ParseProtocol(protocol)));

    [Fact]
    public void An_unknown_protocol_is_refused()
    {
        Assert.Throws<OptionsValidationException>(() => OtlpMetricsExport.ParseProtocol("http/json"));
        Assert.Equal(OtlpExportProtocol.Grpc, OtlpMetricsExport.ParseProtocol("grpc"));
    }
}
