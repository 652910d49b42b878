# CredBroker images, built from this repository:
#   docker build --target broker -t credbroker .        the broker (gRPC :5080, HTTP :5081)
#   docker build --target toolserver -t credbroker-tool .   the sample tool server (:8080)
# docker-compose.yml builds both. The SDK stage restores from NuGet; nothing else is fetched.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/CredBroker.Server/CredBroker.Server.csproj -c Release -o /out/broker \
 && dotnet publish samples/ToolServer/ToolServer.csproj -c Release -o /out/toolserver

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS broker
WORKDIR /app
COPY --from=build /out/broker .
# Keys (and, in the compose demo, minted dev identities) live on volumes owned by the unprivileged
# user the broker runs as; key files are 0600.
RUN mkdir -p /var/lib/credbroker/keys /run/credbroker && chown app:app /var/lib/credbroker/keys /run/credbroker
USER app
ENV ASPNETCORE_ENVIRONMENT=Production \
    CredBroker__Keys__KeyDirectory=/var/lib/credbroker/keys \
    CredBroker__PolicyFile=/etc/credbroker/policy.yaml \
    CredBroker__HttpUrl=http://0.0.0.0:5081
EXPOSE 5080 5081
ENTRYPOINT ["dotnet", "CredBroker.Server.dll", "--urls", "http://0.0.0.0:5080"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS toolserver
WORKDIR /app
COPY --from=build /out/toolserver .
USER app
EXPOSE 8080
ENTRYPOINT ["dotnet", "ToolServer.dll", "--urls", "http://0.0.0.0:8080"]
