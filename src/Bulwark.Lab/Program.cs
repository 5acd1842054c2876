using Bulwark.Lab.Cli;
using Spectre.Console;

// Ctrl-C and SIGTERM are handled by ShutdownSignal (cancel, clean up, report), not by
// System.CommandLine's default, which gives the run only 2 s before the process ends.
// Redirected output (CI logs) is not a terminal: do not wrap every line at Spectre's default 80 columns.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;

using var shutdown = new ShutdownSignal(message => AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(message)}[/]"));
var root = new LabCommands(AnsiConsole.Console, TimeProvider.System).Build();
return await root.Parse(args).InvokeAsync(new() { ProcessTerminationTimeout = null }, shutdown.Token);
