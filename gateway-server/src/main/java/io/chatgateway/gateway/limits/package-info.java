/**
 * Bounds on what clients may hold at once beyond one session: slots counted atomically, each
 * exported as a gauge of its use and a counter of its refusals. Depends on nothing else of the
 * gateway.
 */
package io.chatgateway.gateway.limits;
