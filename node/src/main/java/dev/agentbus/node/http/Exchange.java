package dev.agentbus.node.http;

import org.apache.pekko.http.javadsl.model.HttpRequest;

/** One request as the handlers see it: the request, its id for the envelope, and the caller. */
record Exchange(HttpRequest request, String requestId, Caller caller) {}
