using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CredBroker.Testing.Broker;

/// <summary>Keeps every log line the broker writes, so a test can fail on an unexpected error and check that no secret was logged.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Error)> entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message, Exception? Error)> Entries => entries.ToList();

    public IEnumerable<string> Errors => entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message} {e.Error}");

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Clear() => entries.Clear();

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.entries.Enqueue((logLevel, category, formatter(state, exception), exception));
    }
}
