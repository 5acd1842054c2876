using Bulwark.LocalPostgres;
using Bulwark.PaymentSandbox;

namespace Bulwark.Shop.Hosting;

/// <summary>
/// What the shop starts for itself when nothing is configured, so that one command runs a complete
/// shop on a fresh machine: a private PostgreSQL cluster under <c>.bulwark/</c> and the payment
/// sandbox on its own loopback port. Whatever it started, it stops when the shop stops.
/// </summary>
public sealed class EmbeddedDefaults : IAsyncDisposable
{
    private LocalPostgresCluster? _cluster;
    private WebApplication? _sandbox;

    public static async Task<EmbeddedDefaults> StartAsync(ConfigurationManager configuration, CancellationToken cancellationToken)
    {
        var defaults = new EmbeddedDefaults();
        try
        {
            if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Shop")))
            {
                var options = new LocalPostgresOptions
                {
                    Directory = configuration["Embedded:PostgresDirectory"] ?? Path.Combine(".bulwark", "postgres"),
                };
                defaults._cluster = await LocalPostgresCluster.StartAsync(options, logger: null, cancellationToken);
                configuration["ConnectionStrings:Shop"] = defaults._cluster.ConnectionString;
            }

            if (string.IsNullOrWhiteSpace(configuration["Payments:BaseUrl"]))
            {
                defaults._sandbox = PaymentSandboxApp.Create("http://127.0.0.1:0");
                await defaults._sandbox.StartAsync(cancellationToken);
                configuration["Payments:BaseUrl"] = defaults._sandbox.Urls.First();
            }

            return defaults;
        }
        catch
        {
            await defaults.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.StopAsync();
            await _sandbox.DisposeAsync();
            _sandbox = null;
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
            _cluster = null;
        }
    }
}
