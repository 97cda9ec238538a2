package dev.agentbus.actors.bus;

/** A refused bus operation, with a stable reason code for the edge to map to a status. */
public final class BusException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String code;

  public BusException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
