package dev.agentbus.node;

import dev.agentbus.actors.bus.AgentBus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Pekko Management readiness check ({@code /ready}): the node is ready once its bus has started and every
 * ledger partition has recovered, so that clients waiting for readiness do not send into a partition's
 * replay and time out. Configured in the node's {@code reference.conf}.
 */
public final class LedgerReadinessCheck implements Supplier<CompletionStage<Boolean>> {

  private final org.apache.pekko.actor.typed.ActorSystem<?> system;

  public LedgerReadinessCheck(ActorSystem system) {
    this.system = Adapter.toTyped(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(AgentBus.ifStarted(system).map(AgentBus::ledgerStarted).orElse(false));
  }
}
