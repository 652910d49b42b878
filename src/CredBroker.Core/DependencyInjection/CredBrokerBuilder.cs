using Microsoft.Extensions.DependencyInjection;

namespace CredBroker.Core.DependencyInjection;

/// <summary>Returned by <see cref="CredBrokerServiceCollectionExtensions.AddCredBroker"/>; stores plug in here (<c>UseRedisStore</c>).</summary>
public sealed class CredBrokerBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;
}
