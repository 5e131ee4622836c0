package io.chatgateway.gateway.env;

/** A configuration value is missing or invalid; the message names the environment variable. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
