package dev.agentbus.actors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Pekko's {@code ask} answers with a Scala-backed {@code CompletableFuture} whose plain
 * {@code thenApply}/{@code thenCompose}/{@code handle} run as their {@code ...Async} twins on the
 * JDK's default async pool; with fewer than 3 cores that pool starts a new thread for every task
 * (measured: ~15,000 thread starts in 20 s of sends on 2 cores). Every ask result is therefore turned
 * into a plain future, completed on the thread that completes the ask.
 */
public final class Stages {
  private Stages() {}

  public static <T> CompletableFuture<T> plain(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    stage.whenCompleteAsync((value, error) -> {
      if (error != null) plain.completeExceptionally(error);
      else plain.complete(value);
    }, Runnable::run);
    return plain;
  }
}
