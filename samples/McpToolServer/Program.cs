using McpToolServer;

var app = McpToolServerHost.Build(args);
app.Run();
