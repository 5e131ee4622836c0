/**
 * The HTTP port (Undertow): the WebSocket bridge at {@code /ws}, liveness and readiness ({@code
 * /healthz}, {@code /readyz}), unary RPCs over the Connect protocol ({@code POST
 * /chat.v1.ChatService/<Method>}), the demo page at {@code /}, and in development mode only a token
 * endpoint. {@link io.chatgateway.gateway.http.HttpServer} assembles the routes.
 */
package io.chatgateway.gateway.http;
