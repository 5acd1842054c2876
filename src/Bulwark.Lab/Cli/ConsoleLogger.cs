using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Bulwark.Lab.Cli;

/// <summary>The lab's progress messages on the console, one line each, with the time since the lab started.</summary>
public sealed class ConsoleLogger(IAnsiConsole console, LogLevel minimum) : ILogger
{
    readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var elapsed = DateTimeOffset.UtcNow - _started;
        var color = logLevel switch
        {
            >= LogLevel.Error => "red",
            LogLevel.Warning => "yellow",
            _ => "grey",
        };
        var message = formatter(state, exception) + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})");
        console.MarkupLine($"[{color}]{elapsed:hh\\:mm\\:ss}[/] {Markup.Escape(message)}");
    }
}
