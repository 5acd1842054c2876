using Bulwark.PaymentSandbox;

// Standalone: http://127.0.0.1:5090 unless --urls says otherwise.
var app = PaymentSandboxApp.Create("http://127.0.0.1:5090", args: args);
await app.RunAsync();
