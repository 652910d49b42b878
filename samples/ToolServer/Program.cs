using ToolServer;

var app = ToolServerHost.Build(args);
app.Run();
