using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace CredBroker.Testing.Broker;

/// <summary>
/// Fails a test during which a host it uses (a broker from <see cref="BrokerFixture"/>, a tool server, anything
/// logging into <see cref="CapturedLogs"/>) logged an error the test did not expect, as grpc-dotnet's
/// <c>VerifyNoErrorsScope</c> does: an error log is a bug until a test says otherwise
/// (<see cref="CapturedLogs.ExpectErrors"/>). Errors logged while a fixture starts its host count against the
/// fixture's first test. Every test project carries it on its assembly (tests/Directory.Build.props).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class VerifyNoErrorsAttribute : Attribute, ITestAction
{
    public ActionTargets Targets => ActionTargets.Test | ActionTargets.Suite;

    public void BeforeTest(ITest test)
    {
    }

    public void AfterTest(ITest test)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (test.IsSuite)
        {
            CapturedLogs.Forget(test.Id);
            return;
        }

        var owners = new HashSet<string>(StringComparer.Ordinal);
        for (var at = test; at is not null; at = at.Parent)
        {
            owners.Add(at.Id);
        }

        var unexpected = CapturedLogs.TakeUnexpected(owners.Contains);
        CapturedLogs.Forget(test.Id);
        if (unexpected.Count > 0)
        {
            Assert.Fail($"unexpected error log ({unexpected.Count}):{Environment.NewLine}{string.Join(Environment.NewLine, unexpected)}");
        }
    }
}
