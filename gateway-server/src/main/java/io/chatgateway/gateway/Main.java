package io.chatgateway.gateway;

import io.chatgateway.gateway.cli.CoreCommand;
import io.chatgateway.gateway.cli.DemoCommand;
import io.chatgateway.gateway.cli.TokenCommand;
import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.config.GatewayConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Entry point of {@code chat-gateway.jar}: {@code serve} (default) runs the gateway, {@code core} runs
 * the embedded core on its own for several gateways, {@code token} mints a development token, {@code
 * demo} runs a tiny client against a running gateway.
 *
 * <p>Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage.
 */
public final class Main {

  static {
    // Must run before the first Logger is created; see ShutdownSafeLogManager.
    System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
  }

  private static final Logger log = Logger.getLogger(Main.class.getName());
  private static final String USAGE =
      """
      usage: java -jar chat-gateway.jar [command]
        serve                                   run the gateway (default); configured by environment variables
        core                                    run the embedded core on its own (CORE_PORT, CACHE_URI) for several gateways
        token --sub ID [--device ID] [--ttl-sec N]  print a token for development mode or JWT_HMAC_SECRET
        demo [--target host:port]               create a room, send a message and read it back
      """;

  private Main() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    String command = args.length == 0 ? "serve" : args[0];
    List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
    try {
      switch (command) {
        case "serve" -> serve(env);
        case "token" -> System.out.println(TokenCommand.mint(rest, env));
        case "core" -> {
          LogSetup.configure(env);
          LeakDetection.configure(env);
          CoreCommand.Running core = CoreCommand.start(env);
          Runtime.getRuntime().addShutdownHook(new Thread(core::close, "core-shutdown"));
          core.server().awaitTermination();
        }
        case "demo" -> DemoCommand.run(rest, env, System.out);
        case "help", "-h", "--help" -> System.out.print(USAGE);
        default -> {
          System.err.print("unknown command '" + command + "'\n" + USAGE);
          System.exit(2);
        }
      }
    } catch (ConfigException e) {
      System.err.println("chat-gateway: invalid configuration: " + e.getMessage());
      System.exit(2);
    } catch (IllegalArgumentException e) {
      System.err.println("chat-gateway: " + e.getMessage());
      System.exit(2);
    } catch (Exception e) {
      System.err.println("chat-gateway: " + e.getMessage());
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void serve(Map<String, String> env) throws Exception {
    LogSetup.configure(env);
    LeakDetection.configure(env);
    GatewayConfig config = GatewayConfig.fromEnvironment(env);
    GatewayServer server = GatewayServer.start(config);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down");
                  server.shutdown(config.shutdownGrace());
                },
                "shutdown"));
    server.awaitTermination();
  }
}
