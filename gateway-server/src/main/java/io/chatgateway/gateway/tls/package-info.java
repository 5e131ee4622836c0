/**
 * TLS on the device ports: the server certificate and key from PEM files, optional client
 * certificates (mTLS), and reloading both when the files change, for the gRPC and the HTTP listener
 * alike. Depends on {@code env} only.
 */
package io.chatgateway.gateway.tls;
