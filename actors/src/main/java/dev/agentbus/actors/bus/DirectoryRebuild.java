package dev.agentbus.actors.bus;

import dev.agentbus.actors.agent.AgentEntity;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated directory lives in memory; after a whole-cluster restart it is rebuilt by waking
 * every agent entity found in the journal (an entity republishes its profile when it recovers).
 * A few at a time: a wake is a recovery, and recoveries share a node-wide number of permits with the
 * agents that live traffic starts.
 */
final class DirectoryRebuild {
  private static final Logger log = LoggerFactory.getLogger(DirectoryRebuild.class);
  private static final String PREFIX = AgentEntity.ENTITY_KEY.name() + "|";

  /** @param unanswered agents that did not answer within the wake timeout (they still recover) */
  record Result(long woken, long unanswered) {}

  private DirectoryRebuild() {}

  static void start(
      ActorSystem<?> system, String readJournalPluginId, Function<String, EntityRef<AgentEntity.Command>> agents,
      int parallelism, Duration wakeTimeout) {
    ReadJournal journal = PersistenceQuery.get(system).getReadJournalFor(ReadJournal.class, readJournalPluginId);
    if (!(journal instanceof CurrentPersistenceIdsQuery ids)) {
      log.warn("Read journal {} cannot list persistence ids; the directory is not rebuilt", readJournalPluginId);
      return;
    }
    long started = System.nanoTime();
    wake(ids.currentPersistenceIds(), agents, parallelism, wakeTimeout, system)
        .whenComplete((result, error) -> {
          if (error != null) {
            log.warn("Directory rebuild stopped: {}", error.toString());
          } else {
            log.info("Directory rebuilt: {} agents woken in {} ms ({} did not answer in time)", result.woken(),
                (System.nanoTime() - started) / 1_000_000, result.unanswered());
          }
        });
  }

  /** Wakes the agents among {@code persistenceIds}, at most {@code parallelism} waiting for an answer at once. */
  static CompletionStage<Result> wake(
      Source<String, ?> persistenceIds, Function<String, EntityRef<AgentEntity.Command>> agents, int parallelism,
      Duration wakeTimeout, ActorSystem<?> system) {
    LongAdder woken = new LongAdder();
    LongAdder unanswered = new LongAdder();
    return persistenceIds
        .filter(pid -> pid.startsWith(PREFIX))
        .mapAsyncUnordered(parallelism, pid -> agents.apply(pid.substring(PREFIX.length()))
            .<Done>ask(AgentEntity.Wake::new, wakeTimeout)
            .handle((done, error) -> {
              // an agent that does not answer in time still recovers; the rebuild goes on
              if (error == null) woken.increment();
              else unanswered.increment();
              return Done.getInstance();
            }))
        .run(system)
        .thenApply(done -> new Result(woken.sum(), unanswered.sum()));
  }
}
