package dev.agentbus.actors.policy;

/** A constitution bundle that cannot be used: malformed, incomplete or inconsistent. The API answers 422. */
public class InvalidBundleException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidBundleException(String message) {
    super(message);
  }

  public InvalidBundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
