package dev.agentbus.node.http;

/** A successful answer before it is wrapped: 200 or 201 (never 204: Python parses every body). */
record Reply(int status, Object data) {

  static Reply ok(Object data) {
    return new Reply(200, data);
  }

  static Reply created(Object data) {
    return new Reply(201, data);
  }
}
