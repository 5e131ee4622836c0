/**
 * Authentication of devices: {@link io.chatgateway.gateway.auth.JwtVerifier} checks bearer tokens
 * (nimbus-jose-jwt, JWKS or HMAC), {@link io.chatgateway.gateway.auth.AuthInterceptor} applies it to
 * gRPC calls, and {@link io.chatgateway.gateway.auth.DevCredentials} runs development mode.
 */
package io.chatgateway.gateway.auth;
