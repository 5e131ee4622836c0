/**
 * Bounds on what clients may hold at once beyond one session: slots counted atomically, device
 * streams per client address and their opening rate, and which address a connection is for behind
 * trusted proxies. Each bound counts its refusals for the metrics. Depends on {@code env} only.
 */
package io.chatgateway.gateway.limits;
