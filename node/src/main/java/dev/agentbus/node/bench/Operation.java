package dev.agentbus.node.bench;

import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;

/** One benchmark operation (usually one send). It must not throw; a failure is an {@link Outcome}. */
@FunctionalInterface
interface Operation {

  /**
   * @param seq unique over the whole workload, warm-up included (for unique content)
   * @param random the calling lane's own generator, seeded from {@code --seed}
   */
  CompletionStage<Outcome> start(long seq, SplittableRandom random);
}
