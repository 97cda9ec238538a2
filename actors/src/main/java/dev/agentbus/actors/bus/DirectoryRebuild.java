package dev.agentbus.actors.bus;

import dev.agentbus.actors.agent.AgentEntity;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated directory lives in memory; after a whole-cluster restart it is rebuilt by waking
 * every agent entity found in the journal (an entity republishes its profile when it recovers).
 */
final class DirectoryRebuild {
  private static final Logger log = LoggerFactory.getLogger(DirectoryRebuild.class);
  private static final String PREFIX = AgentEntity.ENTITY_KEY.name() + "|";

  private DirectoryRebuild() {}

  static void start(
      ActorSystem<?> system, String readJournalPluginId, Function<String, EntityRef<AgentEntity.Command>> agents) {
    ReadJournal journal = PersistenceQuery.get(system).getReadJournalFor(ReadJournal.class, readJournalPluginId);
    if (!(journal instanceof CurrentPersistenceIdsQuery ids)) {
      log.warn("Read journal {} cannot list persistence ids; the directory is not rebuilt", readJournalPluginId);
      return;
    }
    ids.currentPersistenceIds()
        .filter(pid -> pid.startsWith(PREFIX))
        .runForeach(pid -> agents.apply(pid.substring(PREFIX.length())).tell(AgentEntity.Wake.INSTANCE), system)
        .whenComplete((done, error) -> {
          if (error != null) log.warn("Directory rebuild stopped: {}", error.toString());
        });
  }
}
