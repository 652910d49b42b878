using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace CredBroker.Testing.Broker;

/// <summary>
/// Keeps every log line a host writes, so a test can check what was logged (and that no secret was). Every
/// error it takes must be expected: <see cref="VerifyNoErrorsAttribute"/> fails the test during which an
/// unexpected one arrived, unless the test said it expects it (<see cref="ExpectErrors"/>).
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private static readonly ConcurrentDictionary<CapturedLogs, byte> Live = new();

    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Error)> entries = new();
    private readonly ConcurrentQueue<string> pendingErrors = new();
    private readonly ConcurrentQueue<Func<string, bool>> expected = new();

    public CapturedLogs()
    {
        // The test, or the fixture for a host started in OneTimeSetUp, whose tests answer for its errors.
        Owner = TestContext.CurrentContext.Test.ID;
        Live.TryAdd(this, 0);
    }

    /// <summary>The NUnit id of the test or fixture that created these logs.</summary>
    internal string Owner { get; }

    public IReadOnlyList<(LogLevel Level, string Category, string Message, Exception? Error)> Entries => entries.ToList();

    public IEnumerable<string> Errors => entries.Where(e => e.Level >= LogLevel.Error).Select(Describe);

    /// <summary>
    /// The opt-out: the current test expects errors (all of them, or those <paramref name="isExpected"/> accepts);
    /// the others still fail it. It lasts until the end of the test; several add up.
    /// </summary>
    public void ExpectErrors(Func<string, bool>? isExpected = null) => expected.Enqueue(isExpected ?? (_ => true));

    /// <summary>The opt-out for the errors of whole log categories (e.g. <c>StackExchange.Redis</c> while a test stops Redis).</summary>
    public void ExpectErrorsFrom(params string[] categories) =>
        ExpectErrors(e => categories.Any(c => e.StartsWith(c, StringComparison.Ordinal)));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Forgets the lines kept so far (for assertions on what follows); errors among them are still checked.</summary>
    public void Clear() => entries.Clear();

    public void Dispose()
    {
    }

    /// <summary>The errors that arrived since the last check and that the test did not expect; the expectation ends with the check.</summary>
    internal static List<string> TakeUnexpected(Func<string, bool> ownedBy)
    {
        var found = new List<string>();
        foreach (var logs in Live.Keys.Where(l => ownedBy(l.Owner)))
        {
            var filters = logs.expected.ToList();
            logs.expected.Clear();
            while (logs.pendingErrors.TryDequeue(out var error))
            {
                if (!filters.Any(isExpected => isExpected(error)))
                {
                    found.Add(error);
                }
            }
        }

        return found;
    }

    /// <summary>Stops watching the logs created by a fixture or test that has ended.</summary>
    internal static void Forget(string owner)
    {
        foreach (var logs in Live.Keys.Where(l => l.Owner == owner))
        {
            Live.TryRemove(logs, out _);
        }
    }

    private static string Describe((LogLevel Level, string Category, string Message, Exception? Error) e) => $"{e.Category}: {e.Message} {e.Error}";

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = (logLevel, category, formatter(state, exception), exception);
            owner.entries.Enqueue(entry);
            if (logLevel >= LogLevel.Error)
            {
                owner.pendingErrors.Enqueue(Describe(entry));
            }
        }
    }
}
