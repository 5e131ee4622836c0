/** Logging that input from outside cannot turn into a flood: {@link io.chatgateway.logging.ThrottledLog}. */
package io.chatgateway.logging;
