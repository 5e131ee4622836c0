package io.chatgateway.gateway;

import java.util.logging.LogManager;

/**
 * A {@link LogManager} that ignores the reset the JDK performs from its own shutdown hook. Without it,
 * that hook races the gateway's shutdown hook and silently drops the drain and shutdown log lines.
 * Installed by {@link Main} through {@code java.util.logging.manager} before any logger exists.
 */
public final class ShutdownSafeLogManager extends LogManager {

  @Override
  public void reset() {
    // LogManager.readConfiguration() resets too; that happens once, at start-up, before handlers exist.
  }
}
