using CredBroker.Server.Errors;

namespace CredBroker.Server.Http;

/// <summary>
/// Anything unexpected at an OAuth endpoint answers RFC 6749's <c>server_error</c> (500) with no detail, as gRPC answers
/// INTERNAL: the client gets JSON it can parse rather than a bare 500, and the cause goes to the log only, since an
/// exception's message may name what a caller must not learn.
/// </summary>
public static class OAuthServerErrors
{
    public static RouteHandlerBuilder WithServerErrors(this RouteHandlerBuilder endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (Exception e) when (!http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted)
            {
                ServerLog.OAuthEndpointFailed(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OAuthServerErrors)), http.Request.Path, http.Response.Headers[Telemetry.RequestIds.Header].ToString(), e);
                return OAuthErrors.ServerError().ToResult(http);
            }
        });
    }
}
