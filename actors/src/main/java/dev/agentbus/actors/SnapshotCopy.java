package dev.agentbus.actors;

import java.util.function.UnaryOperator;
import org.apache.pekko.persistence.typed.SnapshotAdapter;

/**
 * A snapshot adapter for a state whose collections its event handler updates in place: the snapshot store
 * serializes a snapshot on its own thread later, so the snapshot gets a copy, taken on the entity's thread at the
 * snapshot's sequence number. The stored format is the state itself.
 */
public final class SnapshotCopy {

  private SnapshotCopy() {}

  public static <S> SnapshotAdapter<S> of(Class<S> stateClass, UnaryOperator<S> copy) {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(S state) {
        return copy.apply(state);
      }

      @Override
      public S fromJournal(Object from) {
        return stateClass.cast(from);
      }
    };
  }
}
