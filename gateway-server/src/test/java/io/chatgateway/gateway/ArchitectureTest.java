package io.chatgateway.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package structure the README describes, checked on the compiled main classes of every module
 * (the gateway's classpath holds them all): no package depends, however indirectly, on a package
 * that depends on it, and the session core knows no transport: no gRPC, no Undertow. Transports map
 * its {@code CloseCode}s and implement its ports ({@code SessionTransport}, {@code CoreCalls}). The
 * device client library uses nothing but the contract and grpc-java.
 */
@AnalyzeClasses(packages = "io.chatgateway", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("io.chatgateway.(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule sessionCoreIsTransportAgnostic =
      noClasses()
          .that()
          .resideInAPackage("io.chatgateway.gateway.session..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.grpc..", "io.undertow..", "io.netty..")
          .because("the session core is transport-agnostic: transports adapt to it through its ports");

  @ArchTest
  static final ArchRule deviceClientNeedsOnlyTheContractAndGrpc =
      classes()
          .that()
          .resideInAPackage("io.chatgateway.device..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage("java..", "io.grpc..", "com.google.protobuf..", "io.chatgateway.proto..", "io.chatgateway.device..")
          .because("device applications add the client library with one dependency line and inherit nothing else of ours");
}
